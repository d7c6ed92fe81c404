import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openOrm, upsertParty, type Em } from '@tandem/core';
import { createBus, importFile } from '@tandem/connectors';

export interface ImportBenchOptions {
  /** Data rows in the generated CSV (default 1,000,000). */
  readonly rows: number;
  /** Machine-readable run: no progress lines on stderr. */
  readonly json: boolean;
  /** Validation threads (0: the main thread); default: the import's own choice. */
  readonly threads?: number;
}

const givenNames = ['Jürgen', 'Bärbel', 'Sören', 'Käthe', 'Jānis', 'Līga', 'Mārtiņš', 'Ērika', 'Søren', 'Ærøskøbing', 'Åse', 'Bjørn'];
const familyNames = ['Müller', 'Weiß', 'Jäger', 'Groß', 'Bērziņš', 'Kalniņa', 'Ozoliņš', 'Jørgensen', 'Kjær', 'Møller', 'Østergård', 'Straße'];
const streets = ['Hauptstraße', 'Schloßallee', 'Brīvības iela', 'Nørrebrogade', 'Königsweg'];
const cities = ['Berlin', 'München', 'Rīga', 'Aarhus', 'Köln'];
const models = ['Kometa', 'Fjord', 'Aurora', 'Vinda'];

/** Every 100th row has a phone number that is too short: the reject path is part of the measurement. */
const REJECT_EVERY = 100;

/** One CSV row of a German dealer's export; phones, e-mails and VINs are unique per row. */
function csvRow(index: number): string {
  const given = givenNames[index % givenNames.length]!;
  const family = familyNames[(index * 7) % familyNames.length]!;
  const phone = index % REJECT_EVERY === REJECT_EVERY - 1 ? '0151 123' : `015${[1, 2, 7][index % 3]} ${String(index).padStart(8, '0')}`;
  const vin = `WNW${String.fromCharCode(65 + (index % 8))}K1A0N${String(index).padStart(8, '0')}`;
  const street = `${streets[index % streets.length]} ${(index % 120) + 1}`;
  const postalCode = String(10_000 + (index % 89_999));
  return `K-${index},${given},${family},${phone},kunde.${index}@example.de,${vin},Nordwagen,${models[index % models.length]},"${street}",${postalCode},${cities[index % cities.length]},DE\n`;
}

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('externalId,givenName,familyName,phone,email,vin,brand,model,street,postalCode,city,country\n');
  const rowsPerWrite = 1_000;
  for (let start = 0; start < rows; start += rowsPerWrite) {
    let text = '';
    for (let index = start; index < Math.min(rows, start + rowsPerWrite); index++) text += csvRow(index);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round1 = (value: number) => Math.round(value * 10) / 10;

/** CPU seconds of the whole process (every thread). */
function processCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * CPU seconds of the calling thread (Linux: /proc/thread-self/stat, in clock ticks of 1/100 s),
 * undefined elsewhere. With the process total it tells the main thread's share from the validation threads'.
 */
function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Bulk import throughput: a generated CSV of `rows` customers (streamed to a temp dir) imported
 * into a fresh SQLite database with the embedded log — parse, validate with the contract and
 * publish to the party's inbound topic (applying the events is the sync bench's job). RSS is
 * sampled every 50 ms during the import: it must stay flat however big the file is.
 */
export async function importBench(options: ImportBenchOptions): Promise<Record<string, number | string>> {
  const rows = options.rows > 0 ? options.rows : 1_000_000;
  const log = (line: string) => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };
  const dir = await mkdtemp(join(tmpdir(), 'tandem-import-bench-'));
  try {
    const file = join(dir, 'customers.csv');
    const generateStart = performance.now();
    await writeCsv(file, rows);
    const fileBytes = (await stat(file)).size;
    log(`generated ${rows} rows (${mb(fileBytes)} MB) in ${((performance.now() - generateStart) / 1000).toFixed(1)} s`);

    const orm = await openOrm({ databaseUrl: `file:${join(dir, 'tandem.db')}` });
    try {
      await migrate(orm);
      await upsertParty(orm.em.fork() as Em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Spree GmbH', country: 'DE', timeZone: 'Europe/Berlin' });
      const bus = createBus({ orm, clientId: 'import-bench' });

      global.gc?.();
      const rssBefore = process.memoryUsage.rss();
      let peakRss = rssBefore;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
      }, 50);
      let nextReport = 0.1;
      const cpuBefore = processCpuSeconds();
      const mainCpuBefore = threadCpuSeconds();
      const start = performance.now();
      const result = await importFile({
        orm,
        bus,
        party: 'dealer-berlin',
        file,
        format: 'csv',
        kind: 'contacts',
        rejectsFile: join(dir, 'customers.rejects.csv'),
        ...(options.threads === undefined ? {} : { validationThreads: options.threads }),
        onProgress: (progress) => {
          peakRss = Math.max(peakRss, process.memoryUsage.rss());
          if (progress.bytesRead / progress.totalBytes >= nextReport) {
            log(`  ${Math.round((progress.bytesRead / progress.totalBytes) * 100)} %: ${progress.rows} rows, rss ${mb(process.memoryUsage.rss())} MB`);
            nextReport += 0.1;
          }
        },
      });
      const seconds = (performance.now() - start) / 1000;
      const cpuSeconds = processCpuSeconds() - cpuBefore;
      const mainCpuAfter = threadCpuSeconds();
      const mainCpuSeconds = mainCpuBefore === undefined || mainCpuAfter === undefined ? undefined : mainCpuAfter - mainCpuBefore;
      clearInterval(sampler);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      await bus.close();
      const rowsPerSec = Math.round(result.rows / seconds);
      log(`imported ${result.accepted}, rejected ${result.rejected} in ${seconds.toFixed(1)} s: ${rowsPerSec} rows/s, peak rss ${mb(peakRss)} MB`);
      return {
        scenario: 'import',
        rows: result.rows,
        accepted: result.accepted,
        rejected: result.rejected,
        fileMb: mb(fileBytes),
        seconds: Math.round(seconds * 10) / 10,
        rowsPerSec,
        peakRssMb: mb(peakRss),
        rssGrowthMb: mb(peakRss - rssBefore),
        // CPU time per 1,000 rows: comparable across runs on a busy machine, where wall time is not.
        cpuMsPerKRow: round1((cpuSeconds * 1e6) / result.rows),
        ...(mainCpuSeconds === undefined ? {} : { mainThreadCpuMsPerKRow: round1((mainCpuSeconds * 1e6) / result.rows) }),
      };
    } finally {
      await orm.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
