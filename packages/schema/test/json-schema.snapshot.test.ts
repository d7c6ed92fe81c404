import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { exportJsonSchemas } from '../src/index.js';
import { defaultJsonSchemaDir, listJsonSchemaFiles, renderJsonSchemaFiles, writeJsonSchemaFiles } from '../scripts/export-json-schemas.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('../scripts/export-json-schemas.ts', import.meta.url));
const regenerate = 'run `pnpm exec tsx packages/schema/scripts/export-json-schemas.ts` and commit docs/json-schema';
const shown = (file: string) => path.relative(repoRoot, path.join(defaultJsonSchemaDir, file)).split(path.sep).join('/');

async function committed(file: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(defaultJsonSchemaDir, file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

describe('committed JSON Schema snapshot (docs/json-schema)', () => {
  const expected = renderJsonSchemaFiles();

  it.each([...expected.keys()])('%s is up to date', async (file) => {
    const content = await committed(file);
    expect(content, `${shown(file)} is missing: ${regenerate}`).toBeDefined();
    expect(content, `${shown(file)} is stale: ${regenerate}`).toBe(expected.get(file));
  });

  it('has no file for a schema that is no longer exported', async () => {
    const extra = (await listJsonSchemaFiles(defaultJsonSchemaDir)).filter((file) => !expected.has(file)).map(shown);
    expect(extra, `${extra.join(', ')} match no exported schema: ${regenerate} (it deletes them)`).toEqual([]);
  });
});

describe('exported JSON Schemas', () => {
  it('has one envelope schema per event, pinned to its type and version', () => {
    for (const [key, schema] of Object.entries(exportJsonSchemas())) {
      const event = /^events\/(?:in|out)\/(.+)\.v(\d+)$/.exec(key);
      if (!event) continue;
      expect(schema, key).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        properties: { type: { const: event[1] }, version: { const: Number(event[2]) } },
        required: expect.arrayContaining(['id', 'type', 'version', 'occurredAt', 'source', 'key', 'payload']),
      });
    }
  });

  it('is the same on every export', () => {
    expect(JSON.stringify(exportJsonSchemas())).toBe(JSON.stringify(exportJsonSchemas()));
  });
});

describe('export-json-schemas script', () => {
  let outDir: string | undefined;
  afterEach(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
    outDir = undefined;
  });

  it('writes every schema pretty-printed with a trailing newline and deletes stale files', async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'tandem-json-schema-'));
    await writeFile(path.join(outDir, 'contact.upserted.v0.json'), '{}\n');
    await writeFile(path.join(outDir, 'README.md'), 'kept\n');

    const { written, removed } = await writeJsonSchemaFiles(outDir);

    expect(removed).toEqual(['contact.upserted.v0.json']);
    expect(await listJsonSchemaFiles(outDir)).toEqual(written);
    const party = await readFile(path.join(outDir, 'contracts/party.json'), 'utf8');
    expect(party).toBe(`${JSON.stringify(exportJsonSchemas()['contracts/party'], null, 2)}\n`);
    expect(party.startsWith('{\n  "$schema": ')).toBe(true);
    expect(await readFile(path.join(outDir, 'README.md'), 'utf8')).toBe('kept\n');
  });

  it('runs from the command line into the folder it is given', async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'tandem-json-schema-'));
    const output = execFileSync(process.execPath, ['--import', 'tsx', script, outDir], { cwd: repoRoot, encoding: 'utf8' });
    expect(output).toMatch(/^Wrote \d+ JSON Schema files to /);
    const files = renderJsonSchemaFiles();
    expect(await listJsonSchemaFiles(outDir)).toEqual([...files.keys()]);
    expect(await readFile(path.join(outDir, 'events/in/contact.upserted.v1.json'), 'utf8')).toBe(files.get('events/in/contact.upserted.v1.json'));
  });
});
