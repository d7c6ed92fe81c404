import { get } from 'node:http';
import { benchWorld, startServer } from './graphql.bench.js';

export interface ExportBenchOptions {
  /** Customers in the seeded world (the `bench graphql` world of that size, built once). */
  readonly customers: number;
  readonly json: boolean;
}

/** The server's resident memory (Linux `/proc/self/status`), in kB. */
interface ServerMemory {
  /** Heap and SQLite's page cache. */
  readonly anonymousKb: number;
  /** The database file's pages read through SQLite's memory map (shared, reclaimable). */
  readonly fileKb: number;
  /** The high-water mark of all resident memory since the process started. */
  readonly peakKb: number;
}

const mb = (kb: number) => Math.round(kb / 102.4) / 10;
const heapLimitMb = 160;

/**
 * A full customer export over HTTP (`GET /export/customers`) by the manufacturer's connector on
 * the bench world, twice in a row, from a server whose JavaScript heap is capped far below the
 * export's size: customers/s as the client reads the NDJSON stream, and the server's memory after
 * each. Memory that grew with what was exported would grow again in the second run (or exhaust
 * the heap); caches (V8's heap sizing, SQLite's page cache, the mapped file) fill in the first.
 */
export async function exportBench(options: ExportBenchOptions): Promise<Record<string, number | string>> {
  const log = (line: string) => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };
  const database = await benchWorld(options.customers, options.json, log);
  // A JavaScript heap far smaller than what is exported: an export that held its output would run out of it.
  const server = await startServer(database, { nodeFlags: [`--max-old-space-size=${heapLimitMb}`] });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const memory = async () => (await (await fetch(`${base}/bench/memory`)).json()) as ServerMemory;
    const before = await memory();
    const runs: { customersPerSec: number; exported: number; bytes: number; memory: ServerMemory }[] = [];
    for (const run of [1, 2]) {
      log(`export ${run} of 2…`);
      const started = performance.now();
      const { lines, bytes } = await readExport(`${base}/export/customers`, server.exportToken);
      const seconds = (performance.now() - started) / 1000;
      runs.push({ customersPerSec: Math.round((lines - 1) / seconds), exported: lines - 1, bytes, memory: await memory() });
    }
    const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
    return {
      scenario: 'export',
      customers: options.customers,
      serverHeapLimitMb: heapLimitMb,
      exported: first.exported,
      megabytes: mb(first.bytes / 1024),
      customersPerSec: first.customersPerSec,
      secondCustomersPerSec: second.customersPerSec,
      serverAnonymousMb: mb(before.anonymousKb),
      serverAnonymousAfterFirstMb: mb(first.memory.anonymousKb),
      serverAnonymousAfterSecondMb: mb(second.memory.anonymousKb),
      serverFileMappedAfterSecondMb: mb(second.memory.fileKb),
      serverPeakMb: mb(before.peakKb),
      serverPeakAfterFirstMb: mb(first.memory.peakKb),
      serverPeakAfterSecondMb: mb(second.memory.peakKb),
    };
  } finally {
    await server.stop();
  }
}

/** Reads an NDJSON export to its end with node's HTTP client, counting lines and bytes (nothing kept). */
function readExport(url: string, token: string): Promise<{ lines: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`export answered ${String(response.statusCode)}`));
        response.resume();
        return;
      }
      let lines = 0;
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lines += 1;
      });
      response.on('end', () => resolve({ lines, bytes }));
      response.on('error', reject);
    }).on('error', reject);
  });
}
