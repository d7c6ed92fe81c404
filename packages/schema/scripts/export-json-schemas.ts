/**
 * Writes the committed JSON Schema snapshot: one `<key>.json` per entry of `exportJsonSchemas()`,
 * pretty-printed, and removes `.json` files no longer exported.
 *
 *   pnpm exec tsx packages/schema/scripts/export-json-schemas.ts [outDir]
 *
 * `outDir` is relative to the working directory; it defaults to the repository's `docs/json-schema`.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exportJsonSchemas } from '../src/events/json-schema.js';

export const defaultJsonSchemaDir = fileURLToPath(new URL('../../../docs/json-schema/', import.meta.url));

/** The snapshot as file contents keyed by `/`-separated path relative to the output folder, sorted. */
export function renderJsonSchemaFiles(): Map<string, string> {
  const files = Object.entries(exportJsonSchemas()).map(([key, schema]) => [`${key}.json`, `${JSON.stringify(schema, null, 2)}\n`] as const);
  return new Map(files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The `.json` files under `dir` as `/`-separated relative paths, sorted; none when `dir` does not exist. */
export async function listJsonSchemaFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.endsWith('.json'))
    .map((entry) => entry.split(path.sep).join('/'))
    .sort();
}

/** Writes every schema file into `outDir` and deletes stale ones; returns what it wrote and removed. */
export async function writeJsonSchemaFiles(outDir: string): Promise<{ written: string[]; removed: string[] }> {
  const files = renderJsonSchemaFiles();
  const removed = (await listJsonSchemaFiles(outDir)).filter((file) => !files.has(file));
  for (const file of removed) await rm(path.join(outDir, file));
  for (const [file, content] of files) {
    const target = path.join(outDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return { written: [...files.keys()], removed };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : defaultJsonSchemaDir;
  const { written, removed } = await writeJsonSchemaFiles(outDir);
  const where = path.relative(process.cwd(), outDir) || '.';
  console.log(`Wrote ${written.length} JSON Schema files to ${where}${removed.length ? `; removed ${removed.join(', ')}` : ''}`);
}
