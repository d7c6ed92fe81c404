import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { formatIssues, isPhoneRegion, partyId as partyIdContract, TandemError, ValidationError } from '@tandem/schema';
import { domainErrorOfDriver, PartyEntity, recordDeadLetter, runConsumerTransaction, type DeadLetterInput, type Em, type Orm } from '@tandem/core';
import type { Bus, OutgoingMessage } from '../bus/bus.port.js';
import { CsvRecordReader } from './csv-records.js';
import { JsonlRecordReader } from './jsonl-records.js';
import type { ImportRow } from './import-row.js';
import { parseImportMapping, type ImportKind, type ImportMapping } from './import-mapping.js';
import { RejectsFile, type RowIssue } from './rejects-file.js';
import { RowValidator, type ImportingParty, type RowOutcome } from './row-validation.js';
import { CHUNKS_AHEAD_PER_THREAD, defaultValidationThreads, inlineValidation, pooledValidation, type RowValidation } from './validation-pool.js';
import { UnreadableFileError } from './text-decoding.js';

export type ImportFormat = 'csv' | 'jsonl';
export const importFormats = ['csv', 'jsonl'] as const satisfies readonly ImportFormat[];

export interface ImportProgress {
  /** Bytes of the file read into rows; with `totalBytes` the share done (no counting pre-pass). */
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rows: number;
  readonly accepted: number;
  readonly rejected: number;
}

export interface ImportFileOptions {
  readonly orm: Orm;
  /** Good rows are published to the party's inbound topic, so they take the same ingest path as every event. */
  readonly bus: Bus;
  /** The sending party; its country reads national-format phone numbers. */
  readonly party: string;
  readonly file: string;
  /** Default: `jsonl` for `.jsonl`/`.ndjson` files, else `csv`. */
  readonly format?: ImportFormat;
  /** Default `contacts`. */
  readonly kind?: ImportKind;
  /**
   * A mapping file (path) or mapping; CSV: header names → contract fields; JSONL: object keys →
   * fields. Default: header names are field names (CSV); JSONL lines are contract payloads.
   */
  readonly mapping?: string | ImportMapping;
  /** Where rejected rows are written; default `<file>.rejects.csv`. Rewritten on every run. */
  readonly rejectsFile?: string;
  /** CSV field delimiter, default `,`. */
  readonly delimiter?: string;
  /** Rows per publish (default 2,000); a publish is durable before its rows count as accepted. */
  readonly batchSize?: number;
  /**
   * Worker threads that validate rows while this thread reads and publishes. Default: one less
   * than the cores (at least one) for files of 8 MiB or more; 0 (validate on this thread) for
   * smaller files, where starting threads costs more than it saves. Order is kept either way.
   */
  readonly validationThreads?: number;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** When the party stated its records: the envelopes' `occurredAt` (default: now). */
  readonly clock?: () => Date;
}

export interface ImportResult {
  /** Data rows read (not the header, not blank lines). */
  readonly rows: number;
  /** Rows published to the party's inbound topic. */
  readonly accepted: number;
  /** Rows written to the rejects file (and kept as dead letters). */
  readonly rejected: number;
  readonly rejectsFile: string;
  /** Columns of a CSV file that no field reads. */
  readonly ignoredColumns: readonly string[];
}

/** The `tandem import` exit code of a finished import: 0 when every row was accepted, 2 when some were rejected (1 is a fatal error). */
export function importExitCode(result: Pick<ImportResult, 'rejected'>): 0 | 2 {
  return result.rejected === 0 ? 0 : 2;
}

const READ_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_BATCH_SIZE = 2_000;
/** Files from this size on are validated in worker threads by default. */
const THREADED_FROM_BYTES = 8 * 1024 * 1024;
/** Rows per validation task. */
const CHUNK_ROWS = 1_000;
const encoder = new TextEncoder();

/**
 * Imports a partner's CSV or JSONL file in constant memory. Each row is mapped to a contract
 * payload and validated with the same zod contract as Kafka and webhooks; a good row becomes an
 * inbound event (`contact.upserted` or `activity.recorded` v1) on `tandem.in.<party>.v1`, a bad
 * one a line per problem in the rejects file and a dead letter (source `file`, with its row).
 *
 * Rows are numbered as a spreadsheet shows them: in a CSV file the header is row 1 and the first
 * data row is row 2 (a quoted field may span lines, a row is a record); in a JSONL file the row is
 * the line number.
 *
 * Publishing is at-least-once: each batch is durable on the bus before its rows count as
 * accepted; a re-run publishes new events with new ids, and ingest applies them as upserts.
 * Throws a TandemError before reading anything when the party is not registered, the file or
 * mapping cannot be read, or the header does not fit the mapping.
 */
export async function importFile(options: ImportFileOptions): Promise<ImportResult> {
  const kind = options.kind ?? 'contacts';
  const format = options.format ?? formatOfFile(options.file);
  const party = await loadParty(options.orm, options.party);
  const path = resolve(options.file);
  const totalBytes = await fileSize(path);
  const mapping = options.mapping === undefined ? undefined : await loadMapping(kind, options.mapping);
  const reader = format === 'csv' ? new CsvRecordReader(options.delimiter === undefined ? {} : { delimiter: options.delimiter }) : new JsonlRecordReader();
  const rejects = await RejectsFile.create(options.rejectsFile ?? `${options.file}.rejects.csv`);
  const statedAt = (options.clock ?? (() => new Date()))().toISOString();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;

  const counts = { rows: 0, accepted: 0, rejected: 0 };
  const threads = options.validationThreads ?? (totalBytes >= THREADED_FROM_BYTES ? defaultValidationThreads() : 0);
  let validator: RowValidator | undefined;
  let validation: RowValidation | undefined;
  /** Chunks handed to validation, oldest first: taken strictly in this order, so rejects and events keep the file's order. */
  const ahead: { readonly rows: readonly ImportRow[]; readonly outcomes: Promise<readonly RowOutcome[]> }[] = [];
  let messages: OutgoingMessage[] = [];
  let issues: RowIssue[] = [];
  let deadLetters: DeadLetterInput[] = [];

  /** Publishes the batch (durably), then keeps its rejects; every `batchSize` rows, good or bad, so memory stays bounded. */
  const flush = async () => {
    if (messages.length > 0) await options.bus.publish(messages);
    counts.accepted += messages.length;
    messages = [];
    if (deadLetters.length > 0) await keepDeadLetters(options.orm, deadLetters);
    counts.rejected += deadLetters.length;
    deadLetters = [];
    await rejects.write(issues);
    issues = [];
    options.onProgress?.({ bytesRead: reader.bytesRead, totalBytes, ...counts });
  };

  /** Takes the oldest validated chunk: good rows into the publish batch, bad ones into the rejects. */
  const takeOldest = async () => {
    const chunk = ahead.shift()!;
    const outcomes = await chunk.outcomes;
    for (let index = 0; index < chunk.rows.length; index++) {
      const row = chunk.rows[index]!;
      const outcome = outcomes[index]!;
      counts.rows += 1;
      if (outcome.accepted) {
        messages.push({ topic: validator!.topic, key: outcome.key, value: outcome.envelope, headers: { 'event-id': outcome.id } });
      } else {
        reject(row, outcome);
      }
      if (messages.length + deadLetters.length >= batchSize) await flush();
    }
  };

  const validate = async (rows: readonly ImportRow[]) => {
    const outcomes = validation!.validate(rows);
    // Awaited in order by takeOldest; a failure while earlier chunks are taken must not go unhandled.
    outcomes.catch(() => undefined);
    ahead.push({ rows, outcomes });
    while (ahead.length > Math.max(1, threads) * CHUNKS_AHEAD_PER_THREAD) await takeOldest();
  };

  const take = async (rows: ImportRow[]) => {
    let start = 0;
    if (!validator && rows.length > 0) {
      const first = rows[0]!;
      // Built before any row is taken, so a header that does not fit the mapping fails before anything is published.
      const setup = { kind, party, statedAt, columns: format === 'csv' ? headerOf(first) : [], mapping };
      validator = new RowValidator(setup);
      validation = threads > 0 ? pooledValidation(setup, threads) : inlineValidation(validator);
      if (format === 'csv') start = 1;
    }
    for (; start < rows.length; start += CHUNK_ROWS) await validate(rows.slice(start, start + CHUNK_ROWS));
  };

  const reject = (row: ImportRow, outcome: Extract<RowOutcome, { accepted: false }>) => {
    const raw = row.kind === 'unreadable' ? row.raw : textOf(row.bytes);
    for (const issue of outcome.issues) issues.push({ row: row.row, field: issue.path, reason: issue.message, raw });
    deadLetters.push({
      source: { kind: 'file', party: party.id, file: path, row: row.row },
      party: party.id,
      // The event the row would have been, so a replay (once its cause is gone) takes the normal path; the bytes when unreadable.
      originalBytes: outcome.envelope === undefined ? Buffer.from(row.bytes) : encoder.encode(outcome.envelope),
      errorCode: outcome.code,
      errorMessage: `row ${row.row}: ${formatIssues(outcome.issues)}`,
      issues: outcome.issues,
    });
  };

  try {
    let rows: ImportRow[] = [];
    const collect = (row: ImportRow) => rows.push(row);
    for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) {
      reader.push(chunk as Buffer, collect);
      const read = rows;
      rows = [];
      await take(read);
    }
    reader.end(collect);
    await take(rows);
    if (format === 'csv' && !validator) throw new TandemError('BAD_INPUT', 'EMPTY_FILE', `${options.file} is empty: a CSV file starts with a header row`);
    while (ahead.length > 0) await takeOldest();
    await flush();
    await rejects.close();
  } catch (error) {
    await rejects.close().catch(() => undefined);
    // Nothing was read: no rejects file to look at (a failure later keeps the rows rejected so far).
    if (counts.rows === 0) await rm(rejects.path, { force: true }).catch(() => undefined);
    if (error instanceof UnreadableFileError) throw new TandemError('BAD_INPUT', 'UNREADABLE_FILE', `${options.file} ${error.message}`);
    throw error;
  } finally {
    await validation?.close();
  }
  return { ...counts, rejectsFile: rejects.path, ignoredColumns: (validator as RowValidator | undefined)?.ignoredColumns ?? [] };
}

function formatOfFile(file: string): ImportFormat {
  const extension = extname(file).toLowerCase();
  return extension === '.jsonl' || extension === '.ndjson' ? 'jsonl' : 'csv';
}

async function loadParty(orm: Orm, id: string): Promise<ImportingParty> {
  if (!partyIdContract.safeParse(id).success) {
    throw new TandemError('BAD_INPUT', 'UNKNOWN_PARTY', `${JSON.stringify(id)} is not a party id (lower-case letters, digits and dashes)`);
  }
  let row;
  try {
    row = await (orm.em.fork() as Em).findOne(PartyEntity, { id }, { fields: ['id', 'kind', 'country', 'clients'] });
  } catch (error) {
    throw domainErrorOfDriver(error) ?? error;
  }
  if (!row) throw new TandemError('NOT_FOUND', 'UNKNOWN_PARTY', `Party ${id} is not registered: register it before importing its files`);
  return { id: row.id, kind: row.kind, region: isPhoneRegion(row.country) ? row.country : undefined, clients: row.clients };
}

async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new TandemError('BAD_INPUT', 'NOT_A_FILE', `${path} is not a file`);
    return info.size;
  } catch (error) {
    if (error instanceof TandemError) throw error;
    throw new TandemError('NOT_FOUND', 'FILE_NOT_FOUND', `${path} cannot be read (${(error as Error).message})`, { cause: error });
  }
}

async function loadMapping(kind: ImportKind, mapping: string | ImportMapping): Promise<ImportMapping> {
  if (typeof mapping !== 'string') return parseImportMapping(kind, mapping);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(mapping, 'utf8'));
  } catch (error) {
    throw new TandemError('BAD_INPUT', 'INVALID_MAPPING', `The mapping file ${mapping} cannot be read as JSON (${(error as Error).message})`, { cause: error });
  }
  try {
    return parseImportMapping(kind, json);
  } catch (error) {
    if (error instanceof ValidationError) error.message = `The mapping file ${mapping} is invalid: ${error.message}`;
    throw error;
  }
}

function headerOf(row: ImportRow): string[] {
  if (row.kind !== 'fields') {
    const reason = row.kind === 'unreadable' ? row.reason : 'is not a header';
    throw new TandemError('BAD_INPUT', 'UNREADABLE_HEADER', `The header (row 1) ${reason}`);
  }
  // UTF-16 without a byte order mark reads as text with a NUL before or after every letter.
  if (row.fields.some((name) => name.includes('\u0000'))) throw new TandemError('BAD_INPUT', 'UNREADABLE_FILE', 'The file is UTF-16 encoded (save the file as UTF-8)');
  return row.fields.map((name) => name.trim());
}

/** Dead letters of a batch in one transaction: rejected rows stay visible (GraphQL `deadLetters`) and replayable. */
async function keepDeadLetters(orm: Orm, letters: readonly DeadLetterInput[]): Promise<void> {
  const at = new Date();
  await runConsumerTransaction(orm, async (em) => {
    for (const letter of letters) recordDeadLetter(em, letter, at);
    await em.flush();
  });
}

function textOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
