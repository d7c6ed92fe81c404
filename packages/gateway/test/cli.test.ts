/** The `tandem` CLI as an operator runs it: a real process on a real SQLite file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../src/auth/token.service.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
const secret = 'cli-test-secret-that-is-at-least-32-characters';
const env = { ...process.env, DATABASE_URL: `file:${join(dir, 'tandem.db')}`, TANDEM_JWT_SECRET: secret, LOG_LEVEL: 'silent', NODE_ENV: 'test' };

function tandem(args: readonly string[], extraEnv: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'packages/gateway/src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tandem CLI', () => {
  beforeAll(() => {
    const migrated = tandem(['migrate']);
    expect(migrated.code, migrated.stderr).toBe(0);
    const seeded = tandem(['seed', '--demo', '--customers', '20']);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(JSON.parse(seeded.stdout.trim().split('\n').at(-1)!)).toMatchObject({ parties: 8, customers: 20 });
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a bad configuration with one error naming every bad variable', () => {
    const result = tandem(['migrate'], { PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT: must be a port number');
    expect(result.stderr).toContain('LOG_LEVEL:');
  });

  it('prints the public schema, and with --subgraph the federation subgraph SDL, as committed', () => {
    const sdl = tandem(['schema']);
    expect(sdl.code, sdl.stderr).toBe(0);
    expect(sdl.stdout).toBe(readFileSync(join(root, 'schema.graphql'), 'utf8'));
    const file = join(dir, 'schema.subgraph.graphql');
    const subgraph = tandem(['schema', '--subgraph', '--write', file]);
    expect(subgraph.code, subgraph.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(root, 'schema.subgraph.graphql'), 'utf8'));
  }, 60_000);

  it('issues a token that verifies, and refuses an unknown role', async () => {
    const token = tandem(['token', '--party', 'ic-nordic', '--role', 'agent', '--acting-for', 'insurer']);
    expect(token.code).toBe(0);
    const tokens = await TokenService.create({ kind: 'secret', secret }, 'tandem');
    expect(await tokens.verify(token.stdout.trim())).toMatchObject({ party: 'ic-nordic', role: 'agent', actingFor: 'insurer' });
    const badRole = tandem(['token', '--party', 'oem', '--role', 'boss']);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toContain("Allowed choices are agent, dealer_staff, manager, integration, dpo, admin");
  }, 60_000);

  it('imports a CSV, reports rejected rows with exit code 2 and lists dead letters', () => {
    const file = join(dir, 'kunden.csv');
    writeFileSync(file, 'externalId,givenName,familyName,phone,vin,brand,model\nK-1,Jürgen,Weiß,0151 23456789,WNW1234567A123456,Nordwagen,Fjord\nK-2,Bärbel,Groß,0151 123,,,\n');
    const result = tandem(['import', file, '--party', 'dealer-berlin']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toContain('imported 1, rejected 1');
    const rejects = readFileSync(`${file}.rejects.csv`, 'utf8');
    expect(rejects).toMatch(/^3,phone,.*0151 123.*read as a DE national number/m);
    const letters = tandem(['dlq', 'list']);
    expect(letters.code).toBe(0);
    const show = tandem(['dlq', 'show', '00000000-0000-7000-8000-000000000000']);
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('NOT_FOUND: Dead letter 00000000-0000-7000-8000-000000000000 was not found');
  }, 60_000);

  it('backfills a party and registers a webhook endpoint', () => {
    const backfill = tandem(['backfill', '--party', 'dealer-munich']);
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(JSON.parse(backfill.stdout.trim().split('\n').at(-1)!)).toMatchObject({ customers: expect.any(Number), messages: expect.any(Number) });
    const webhook = tandem(['webhook', 'register', '--party', 'dealer-munich', '--url', 'https://dms.autohaus-isar.example/tandem']);
    expect(webhook.code, webhook.stderr).toBe(0);
    expect(JSON.parse(webhook.stdout)).toMatchObject({ party: 'dealer-munich', inboundSecret: expect.stringMatching(/^whsec_/) });
  }, 60_000);

  it('prunes the log on demand, keeping what no consumer group has read (nothing has consumed the backfill)', () => {
    const pruned = tandem(['log', 'prune', '--days', '0']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(JSON.parse(pruned.stdout)).toMatchObject({ deleted: 0, before: expect.any(String) });
    expect(tandem(['log', 'prune', '--days', 'soon']).stderr).toContain('must be a whole number of days');
  }, 60_000);
});
