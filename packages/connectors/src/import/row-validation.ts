import { v7 as uuidv7 } from 'uuid';
import type { CountryCode, FieldIssue, OnBehalfOfRefusal, OnBehalfOfSender, PartyId } from '@tandem/schema';
import { activityRecordInput, customerRecordInput, fieldIssuesFromZod, onBehalfOfRefusal, sourceKey, topics } from '@tandem/schema';
import { columnOf, defaultMapping, referencedColumns, RowMapper, type ImportKind, type ImportMapping } from './import-mapping.js';

/** The importing party as validation needs it. */
export interface ImportingParty extends OnBehalfOfSender {
  readonly id: PartyId;
  /** Its country: national-format phone numbers are read in it. */
  readonly region: CountryCode | undefined;
}

/** Everything validation needs: plain data. */
export interface ValidationSetup {
  readonly kind: ImportKind;
  readonly party: ImportingParty;
  /** The envelopes' `occurredAt` (ISO 8601). */
  readonly statedAt: string;
  /** CSV: the header's column names. JSONL: empty. */
  readonly columns: readonly string[];
  /** The user's mapping; absent: the default one (CSV) or payloads as they are (JSONL). */
  readonly mapping: ImportMapping | undefined;
}

/** A row as validation takes it (an `ImportRow` without its bytes). */
export type RowInput =
  | { readonly row: number; readonly kind: 'fields'; readonly fields: readonly string[] }
  | { readonly row: number; readonly kind: 'object'; readonly value: Readonly<Record<string, unknown>> }
  | { readonly row: number; readonly kind: 'unreadable'; readonly reason: string; readonly column?: number };

/** Why a row was refused: unreadable, against its contract, or naming a client the party does not serve. */
export type RejectionCode = 'UNREADABLE_ROW' | 'INVALID_ROW' | OnBehalfOfRefusal['code'];

export type RowOutcome =
  | { readonly accepted: true; readonly id: string; readonly key: string; readonly envelope: string }
  | {
      readonly accepted: false;
      /** `path` is the file's column when one holds the field, else the contract path ('' for the row as a whole). */
      readonly issues: readonly FieldIssue[];
      readonly code: RejectionCode;
      /** The event the row would have become (absent for rows that could not be read). */
      readonly envelope?: string;
    };

/**
 * Turns rows into inbound events or rejections with the contract every inbound path uses
 * (`customerRecordInput(party country)` / `activityRecordInput`). Pure, without I/O: validation
 * is the import's CPU cost (libphonenumber and zod), so large files run it in worker threads
 * (validation-pool.ts) built from the same plain {@link ValidationSetup}.
 */
export class RowValidator {
  readonly #setup: ValidationSetup;
  readonly #mapper: RowMapper | undefined;
  readonly #cellColumns: readonly string[];
  readonly #topic: string;
  readonly #type: 'contact.upserted' | 'activity.recorded';
  readonly #contacts;

  constructor(setup: ValidationSetup) {
    this.#setup = setup;
    if (setup.columns.length > 0) {
      this.#cellColumns = setup.columns;
      this.#mapper = new RowMapper(setup.kind, setup.mapping ?? defaultMapping(setup.kind), setup.columns, setup.mapping === undefined);
    } else if (setup.mapping) {
      this.#cellColumns = referencedColumns(setup.mapping);
      this.#mapper = new RowMapper(setup.kind, setup.mapping, this.#cellColumns, false);
    } else {
      this.#cellColumns = [];
    }
    this.#topic = topics.inbound(setup.party.id);
    this.#type = setup.kind === 'contacts' ? 'contact.upserted' : 'activity.recorded';
    this.#contacts = customerRecordInput(setup.party.region);
  }

  /** Columns of the file no field reads. */
  get ignoredColumns(): readonly string[] {
    return this.#setup.columns.length > 0 ? (this.#mapper?.ignoredColumns ?? []) : [];
  }

  get topic(): string {
    return this.#topic;
  }

  validate(row: RowInput): RowOutcome {
    const { columns, party } = this.#setup;
    if (row.kind === 'unreadable') {
      const field = row.column === undefined ? '' : (columns[row.column] ?? `column ${row.column + 1}`);
      return { accepted: false, issues: [{ path: field, message: row.reason }], code: 'UNREADABLE_ROW' };
    }
    if (row.kind === 'fields' && row.fields.length !== columns.length) {
      return { accepted: false, issues: [{ path: '', message: `has ${row.fields.length} fields, the header has ${columns.length}` }], code: 'UNREADABLE_ROW' };
    }
    const cells = row.kind === 'fields' ? row.fields : this.#mapper ? this.#cellColumns.map((column) => cellOf(row.value[column])) : undefined;
    const payload = cells && this.#mapper ? this.#mapper.payload(cells) : (row as { readonly value: Record<string, unknown> }).value;

    let key: string | undefined;
    let problems: FieldIssue[] | undefined;
    let code: RejectionCode = 'INVALID_ROW';
    const result = this.#setup.kind === 'contacts' ? this.#contacts.safeParse(payload) : activityRecordInput.safeParse(payload);
    const refusal = result.success ? onBehalfOfRefusal(party, this.#type, result.data.onBehalfOf) : undefined;
    if (!result.success) {
      problems = fieldIssuesFromZod(result.error);
    } else if (refusal) {
      // Ingest would refuse it too: say so per row, with the rest of the file.
      problems = [refusal.issue];
      code = refusal.code;
    } else {
      // Activities share their customer's partition key: ordered after the customer's own events.
      key = sourceKey(party.id, 'customerExternalId' in result.data ? result.data.customerExternalId : result.data.externalId);
    }

    const id = uuidv7();
    // The payload as the file said it: ingest decodes it with the same contract, as for every partner message.
    const envelope = JSON.stringify({
      id,
      type: this.#type,
      version: 1,
      occurredAt: this.#setup.statedAt,
      source: party.id,
      key: key ?? sourceKey(party.id, externalIdOf(payload) ?? `row-${row.row}`),
      payload,
    });
    if (key !== undefined && !problems) return { accepted: true, id, key, envelope };

    const trace = new Map<string, string>();
    if (cells && this.#mapper) this.#mapper.payload(cells, trace);
    const issues = (problems ?? []).map((issue) => ({ path: columnOf(trace, issue.path), message: readableReason(issue.message) }));
    return { accepted: false, issues, code, envelope };
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

/** A JSONL value as a cell: scalars as text, absent and null as an empty cell. */
function cellOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}
