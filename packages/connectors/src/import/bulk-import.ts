import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { CountryCode, FieldIssue, PartyId } from '@tandem/schema';
import {
  activityRecordInput,
  customerRecordInput,
  fieldIssuesFromZod,
  isPhoneRegion,
  partyId as partyIdContract,
  sourceKey,
  TandemError,
  topics,
  ValidationError,
} from '@tandem/schema';
import { domainErrorOfDriver, PartyEntity, recordDeadLetter, runConsumerTransaction, type DeadLetterInput, type Em, type Orm } from '@tandem/core';
import type { Bus, OutgoingMessage } from '../bus/bus.port.js';
import { CsvRecordReader } from './csv-records.js';
import { JsonlRecordReader } from './jsonl-records.js';
import type { ImportRow } from './import-row.js';
import { columnOf, defaultMapping, parseImportMapping, referencedColumns, RowMapper, type ImportKind, type ImportMapping } from './import-mapping.js';
import { RejectsFile, type RowIssue } from './rejects-file.js';
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
  /** Messages per publish (default 2,000); a publish is durable before the import counts its rows. */
  readonly batchSize?: number;
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

const READ_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_BATCH_SIZE = 2_000;

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
  const validator = new RowValidator(kind, party, statedAt, path);
  let mapper: RowMapper | undefined;
  let columns: readonly string[] = [];
  if (format === 'jsonl' && mapping) {
    columns = referencedColumns(mapping);
    mapper = new RowMapper(kind, mapping, columns, false);
  }

  const counts = { rows: 0, accepted: 0, rejected: 0 };
  let messages: OutgoingMessage[] = [];
  let issues: RowIssue[] = [];
  let deadLetters: DeadLetterInput[] = [];
  const rows: ImportRow[] = [];
  const collect = (row: ImportRow) => rows.push(row);

  const flush = async () => {
    if (messages.length > 0) await options.bus.publish(messages);
    counts.accepted += messages.length;
    messages = [];
    if (deadLetters.length > 0) await keepDeadLetters(options.orm, deadLetters);
    deadLetters = [];
    await rejects.write(issues);
    issues = [];
    options.onProgress?.({ bytesRead: reader.bytesRead, totalBytes, ...counts });
  };

  const take = async () => {
    for (const row of rows) {
      if (format === 'csv' && !mapper) {
        columns = headerOf(row);
        mapper = new RowMapper(kind, mapping ?? defaultMapping(kind), columns, mapping === undefined);
        continue;
      }
      counts.rows += 1;
      const outcome = validator.validate(row, mapper, columns);
      if (outcome.accepted) {
        messages.push(outcome.message);
        if (messages.length >= batchSize) await flush();
      } else {
        counts.rejected += 1;
        issues.push(...outcome.issues);
        deadLetters.push(outcome.deadLetter);
      }
    }
    rows.length = 0;
  };

  try {
    for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) {
      reader.push(chunk as Buffer, collect);
      await take();
    }
    reader.end(collect);
    await take();
    if (format === 'csv' && !mapper) throw new TandemError('BAD_INPUT', 'EMPTY_FILE', `${options.file} is empty: a CSV file starts with a header row`);
    await flush();
  } catch (error) {
    await rejects.close().catch(() => undefined);
    if (error instanceof UnreadableFileError) throw new TandemError('BAD_INPUT', 'UNREADABLE_FILE', `${options.file} ${error.message}`);
    throw error;
  }
  await rejects.close();
  return { ...counts, rejectsFile: rejects.path, ignoredColumns: format === 'csv' ? (mapper?.ignoredColumns ?? []) : [] };
}

function formatOfFile(file: string): ImportFormat {
  const extension = extname(file).toLowerCase();
  return extension === '.jsonl' || extension === '.ndjson' ? 'jsonl' : 'csv';
}

interface ImportingParty {
  readonly id: PartyId;
  readonly region: CountryCode | undefined;
  readonly clients: readonly string[];
}

async function loadParty(orm: Orm, id: string): Promise<ImportingParty> {
  if (!partyIdContract.safeParse(id).success) {
    throw new TandemError('BAD_INPUT', 'UNKNOWN_PARTY', `${JSON.stringify(id)} is not a party id (lower-case letters, digits and dashes)`);
  }
  let row;
  try {
    row = await (orm.em.fork() as Em).findOne(PartyEntity, { id }, { fields: ['id', 'country', 'clients'] });
  } catch (error) {
    throw domainErrorOfDriver(error) ?? error;
  }
  if (!row) throw new TandemError('NOT_FOUND', 'UNKNOWN_PARTY', `Party ${id} is not registered: register it before importing its files`);
  return { id: row.id, region: isPhoneRegion(row.country) ? row.country : undefined, clients: row.clients };
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

type Outcome =
  | { readonly accepted: true; readonly message: OutgoingMessage }
  | { readonly accepted: false; readonly issues: readonly RowIssue[]; readonly deadLetter: DeadLetterInput };

const encoder = new TextEncoder();

/** Turns one row into an inbound event or its rejection, with the contract every inbound path uses. */
class RowValidator {
  readonly #kind: ImportKind;
  readonly #party: ImportingParty;
  readonly #statedAt: string;
  readonly #file: string;
  readonly #topic: string;
  readonly #contacts;

  constructor(kind: ImportKind, party: ImportingParty, statedAt: string, file: string) {
    this.#kind = kind;
    this.#party = party;
    this.#statedAt = statedAt;
    this.#file = file;
    this.#topic = topics.inbound(party.id);
    this.#contacts = customerRecordInput(party.region);
  }

  validate(row: ImportRow, mapper: RowMapper | undefined, columns: readonly string[]): Outcome {
    if (row.kind === 'unreadable') {
      const field = row.column === undefined ? '' : (columns[row.column] ?? `column ${row.column + 1}`);
      return this.#reject(row, [{ path: field, message: row.reason }], row.raw, 'UNREADABLE_ROW', row.bytes);
    }
    if (row.kind === 'fields' && row.fields.length !== columns.length) {
      const reason = `has ${row.fields.length} fields, the header has ${columns.length}`;
      return this.#reject(row, [{ path: '', message: reason }], rawOf(row), 'UNREADABLE_ROW', row.bytes);
    }
    const cells = row.kind === 'fields' ? row.fields : mapper ? columns.map((column) => cellOf(row.value[column])) : undefined;
    const payload = cells && mapper ? mapper.payload(cells) : (row as { value: Record<string, unknown> }).value;

    let key: string;
    let problems: FieldIssue[] | undefined;
    let code = 'INVALID_ROW';
    if (this.#kind === 'contacts') {
      const result = this.#contacts.safeParse(payload);
      if (result.success) key = sourceKey(this.#party.id, result.data.externalId);
      else problems = fieldIssuesFromZod(result.error);
    } else {
      const result = activityRecordInput.safeParse(payload);
      if (result.success) {
        key = sourceKey(this.#party.id, result.data.customerExternalId);
        const client = result.data.onBehalfOf;
        if (client !== undefined && !this.#party.clients.includes(client)) {
          problems = [{ path: 'onBehalfOf', message: `${this.#party.id} does not act on behalf of ${client}` }];
          code = 'NOT_A_CLIENT';
        }
      } else {
        problems = fieldIssuesFromZod(result.error);
      }
    }

    const id = uuidv7();
    const envelope = JSON.stringify({
      id,
      type: this.#kind === 'contacts' ? 'contact.upserted' : 'activity.recorded',
      version: 1,
      occurredAt: this.#statedAt,
      source: this.#party.id,
      key: problems ? sourceKey(this.#party.id, externalIdOf(payload) ?? `row-${row.row}`) : key!,
      payload,
    });
    if (!problems) return { accepted: true, message: { topic: this.#topic, key: key!, value: envelope, headers: { 'event-id': id } } };

    const trace = new Map<string, string>();
    if (cells && mapper) mapper.payload(cells, trace);
    const located = problems.map((issue) => ({ path: trace.size > 0 ? columnOf(trace, issue.path) : issue.path, message: readableReason(issue.message) }));
    // The envelope is what ingest would have been sent: replaying the dead letter once its cause is gone goes the normal way.
    return this.#reject(row, located, rawOf(row), code, encoder.encode(envelope));
  }

  #reject(row: ImportRow, issues: readonly FieldIssue[], raw: string, code: string, bytes: Uint8Array): Outcome {
    return {
      accepted: false,
      issues: issues.map((issue) => ({ row: row.row, field: issue.path, reason: issue.message, raw })),
      deadLetter: {
        source: { kind: 'file', party: this.#party.id, file: this.#file, row: row.row },
        party: this.#party.id,
        originalBytes: bytes,
        errorCode: code,
        errorMessage: `row ${row.row}: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ')}`,
        issues,
      },
    };
  }
}

/** zod's wording for an absent value, said the way a spreadsheet user reads it. */
function readableReason(message: string): string {
  return /^Invalid input: expected \w+, received undefined$/.test(message) ? 'is required (the cell is empty)' : message;
}

function externalIdOf(payload: Record<string, unknown>): string | undefined {
  const id = payload.externalId;
  return typeof id === 'string' && id.trim() !== '' ? id.trim() : undefined;
}

function rawOf(row: ImportRow): string {
  return row.kind === 'unreadable' ? row.raw : Buffer.from(row.bytes).toString('utf8');
}

/** A JSONL value as a cell: scalars as text, absent and null as an empty cell. */
function cellOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}
