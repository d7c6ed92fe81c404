/**
 * `tandem serve` with several HTTP processes, as an operator runs it: a primary, two HTTP
 * processes sharing the port and an engine process, real processes on a real database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { customerRecordInput, parseOrThrow, topics } from '@tandem/schema';
import { customerOfSource, migrate, openOrm, type Em, type Orm } from '@tandem/core';
import { EmbeddedLogBus } from '@tandem/connectors';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../tests/support/database.js';
import { TokenService } from '../src/auth/token.service.js';
import { defaultRateLimits } from '../src/http/hardening/rate-limits.js';
import { ingestApiEvent } from '../src/runtime/api-ingest.js';
import { registerPartnerWorld, testSecret } from './support.js';
import { SseSubscription } from './sse-client.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const follow = /* GraphQL */ `subscription Follow($id: ID!) { customerChanged(id: $id) { id familyName } }`;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/** The children of a process (Linux). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** The role `tandem serve` gave a child process (its environment, Linux). */
function roleOf(pid: number): string | undefined {
  return /(?:^|\0)TANDEM_PROCESS_ROLE=([^\0]*)/.exec(readFileSync(`/proc/${pid}/environ`, 'utf8'))?.[1];
}

/** CPU time a process has used, in clock ticks (Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** A request on a connection of its own (node:cluster hands each connection to one process), answered with its status. */
function requestOnNewConnection(port: number, path: string, options: { readonly token?: string; readonly query?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = options.query === undefined ? undefined : JSON.stringify({ query: options.query });
    const headers: Record<string, string | number> = { connection: 'close' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const call = request({ host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', agent: false, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    call.on('error', reject);
    call.end(body);
  });
}

describe.each(testDialects())('tandem serve with two HTTP processes on %s', (dialect) => {
  let database: TestDatabase;
  let folder: string;
  let orm: Orm;
  let hub: ChildProcess;
  let exited: Promise<[number | null, NodeJS.Signals | null]>;
  let port: number;
  let url: string;
  let tokens: TokenService;
  let berlinCustomer: string;
  const logLines: string[] = [];
  const lineWaiters = new Set<{ readonly matches: (line: string) => boolean; readonly resolve: () => void }>();

  /** Resolves at the next log line of the hub containing `text`. */
  const nextLogLine = (text: string) =>
    new Promise<void>((resolve) => {
      lineWaiters.add({ matches: (line) => line.includes(text), resolve });
    });

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tandem-processes-'));
    database = dialect === 'sqlite' ? { dialect, url: `file:${join(folder, 'hub.db')}`, drop: async () => undefined } : await createTestDatabase(dialect);
    orm = await openOrm({ databaseUrl: database.url });
    await migrate(orm);
    await registerPartnerWorld(orm.em.fork() as Em);
    await ingestApiEvent({ orm }, 'dealer-berlin', {
      type: 'contact.upserted',
      payload: parseOrThrow(customerRecordInput('DE'), { externalId: 'B-1', givenName: 'Bea', familyName: 'Berliner' }),
      customerExternalId: 'B-1',
    });
    berlinCustomer = (await customerOfSource(orm.em.fork() as Em, 'dealer-berlin', 'B-1'))!;
    tokens = await TokenService.create({ kind: 'secret', secret: testSecret }, 'tandem');
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    hub = spawn(process.execPath, ['--import', 'tsx', 'packages/gateway/src/cli/main.ts', 'serve'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url, PORT: String(port), TANDEM_HTTP_PROCESSES: '2', TANDEM_JWT_SECRET: testSecret, NODE_ENV: 'test', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    exited = once(hub, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    createInterface({ input: hub.stdout! }).on('line', (line) => {
      logLines.push(line);
      for (const waiter of lineWaiters) {
        if (!waiter.matches(line)) continue;
        lineWaiters.delete(waiter);
        waiter.resolve();
      }
    });
    await Promise.race([
      nextLogLine('Tandem is listening'),
      exited.then(([code]) => Promise.reject(new Error(`tandem serve exited with ${code} before listening:\n${logLines.join('\n')}`))),
    ]);
  }, 120_000);

  afterAll(async () => {
    if (hub && hub.exitCode === null && hub.signalCode === null) {
      hub.kill('SIGKILL');
      await exited;
    }
    await orm?.close(true);
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('runs two HTTP processes and an engine process', () => {
    expect(childrenOf(hub.pid!).map(roleOf).sort()).toEqual(['engine', 'http', 'http']);
    expect(logLines.join('\n')).toContain('2 HTTP processes and the sync engine in its own');
  });

  it("counts a caller's rate limit once, whichever process answers", async () => {
    const token = await tokens.issue({ subject: 'rita', party: 'dealer-berlin', role: 'dealer_staff' });
    const budget = defaultRateLimits.principal[0]!.points;
    const cpuBefore = new Map(childrenOf(hub.pid!).map((pid) => [pid, cpuTicks(pid)]));
    const statuses: number[] = [];
    for (let sent = 0; sent < budget; sent += 20) {
      statuses.push(...(await Promise.all(Array.from({ length: Math.min(20, budget - sent) }, () => requestOnNewConnection(port, '/graphql', { token, query: '{ viewerParty { id } }' })))));
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(budget);
    expect(await requestOnNewConnection(port, '/graphql', { token, query: '{ viewerParty { id } }' })).toBe(429);
    // Both HTTP processes answered a share of them (the engine idles): the budget is not per process.
    const busy = [...cpuBefore].filter(([pid, before]) => cpuTicks(pid) - before >= 5);
    expect(busy.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('tells a subscriber in an HTTP process of a change the engine process applied', async () => {
    const token = await tokens.issue({ subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' });
    const subscription = await SseSubscription.open(url, follow, { id: berlinCustomer }, { authorization: `Bearer ${token}` });
    try {
      expect(subscription.status).toBe(200);
      const bus = new EmbeddedLogBus({ orm });
      const id = uuidv7();
      const key = 'dealer-berlin:B-1';
      const envelope = { id, type: 'contact.upserted', version: 1, occurredAt: new Date().toISOString(), source: 'dealer-berlin', key, payload: { externalId: 'B-1', givenName: 'Bea', familyName: 'Berliner-Neu' } };
      await bus.publish([{ topic: topics.inbound('dealer-berlin'), key, headers: { 'event-id': id }, value: JSON.stringify(envelope) }]);
      await bus.close();
      const message = await subscription.next();
      expect(message.data?.data.customerChanged).toEqual({ id: berlinCustomer, familyName: 'Berliner-Neu' });
    } finally {
      subscription.close();
    }
  }, 60_000);

  it('starts an HTTP process again when one dies', async () => {
    const before = childrenOf(hub.pid!);
    const victim = before.find((pid) => roleOf(pid) === 'http')!;
    const back = nextLogLine('the http process runs again');
    process.kill(victim, 'SIGKILL');
    await back;
    const after = childrenOf(hub.pid!);
    expect(after).not.toContain(victim);
    expect(after.map(roleOf).sort()).toEqual(['engine', 'http', 'http']);
    expect(logLines.some((line) => line.includes('exited unexpectedly') && line.includes('"signal":"SIGKILL"'))).toBe(true);
    // Both HTTP processes answer (fresh connections: fetch's pool would keep one to the process that died).
    expect(await Promise.all([requestOnNewConnection(port, '/readyz'), requestOnNewConnection(port, '/readyz')])).toEqual([200, 200]);
  }, 60_000);

  it('stops every process on SIGTERM', async () => {
    const children = childrenOf(hub.pid!);
    hub.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    for (const pid of children) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});
