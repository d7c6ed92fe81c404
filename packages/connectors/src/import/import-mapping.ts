import { contactLabels, type FieldIssue } from '@tandem/schema';
import { ValidationError } from '@tandem/schema';

/** What an import file holds: customer records (`contact.upserted`) or activities (`activity.recorded`). */
export type ImportKind = 'contacts' | 'activities';
export const importKinds = ['contacts', 'activities'] as const satisfies readonly ImportKind[];

/**
 * Where a contract field's value comes from: a column of the file (`"Vorname"` or
 * `{ "column": "Vorname" }`), or the same value for every row (`{ "value": "DE" }`).
 */
export type ValueSource = string | { readonly column: string } | { readonly value: string };

/** A phone or e-mail column, optionally with its label (`mobile`, `home`, `work`, `other`). */
export type ContactPointSource = string | { readonly column: string; readonly label?: string };

/**
 * How the columns of a file become contract fields (a JSON file passed with `--mapping`). Keys
 * are contract fields; `phones` and `emails` list columns, `addresses` and `vehicles` list
 * groups of columns. Example:
 *
 * ```json
 * { "externalId": "Kundennr", "givenName": "Vorname", "familyName": "Nachname",
 *   "phones": ["Mobil", { "column": "Telefon", "label": "home" }], "emails": ["E-Mail"],
 *   "vehicles": [{ "vin": "FIN", "brand": "Marke", "model": "Modell" }],
 *   "addresses": [{ "street": "Straße", "postalCode": "PLZ", "city": "Ort", "country": { "value": "DE" } }] }
 * ```
 *
 * Without a mapping, the header names are the contract's field names, with `phone`, `email`,
 * `vin`, `brand`, `model`, `registrationDate`, `street`, `postalCode`, `city` and `country`
 * columns for one phone, e-mail, vehicle and address; columns the file lacks are left out.
 */
export type ImportMapping = Readonly<Record<string, ValueSource | readonly ContactPointSource[] | readonly Readonly<Record<string, ValueSource>>[]>>;

type Shape = {
  readonly scalars: readonly string[];
  /** Scalars read as numbers when the cell holds one. */
  readonly numbers: readonly string[];
  readonly contactPoints: readonly string[];
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Fields a mapping must give a source, or no row could pass. */
  readonly required: readonly string[];
};

const shapes: Record<ImportKind, Shape> = {
  contacts: {
    scalars: ['externalId', 'kind', 'givenName', 'familyName', 'companyName', 'preferredLanguage', 'onBehalfOf'],
    numbers: [],
    contactPoints: ['phones', 'emails'],
    groups: {
      addresses: ['street', 'postalCode', 'city', 'country', 'label'],
      vehicles: ['vin', 'brand', 'model', 'registrationDate', 'relation'],
    },
    required: ['externalId'],
  },
  activities: {
    scalars: ['externalId', 'customerExternalId', 'channel', 'direction', 'occurredAt', 'durationSeconds', 'subject', 'outcome', 'content', 'actor', 'onBehalfOf', 'brand'],
    numbers: ['durationSeconds'],
    contactPoints: [],
    groups: {},
    required: ['externalId', 'customerExternalId', 'channel', 'direction', 'occurredAt'],
  },
};

const singleColumns: Record<string, string> = { phones: 'phone', emails: 'email' };

/** The mapping used without `--mapping`: header names are field names (see {@link ImportMapping}). */
export function defaultMapping(kind: ImportKind): ImportMapping {
  const shape = shapes[kind];
  const mapping: Record<string, ImportMapping[string]> = {};
  for (const field of shape.scalars) mapping[field] = field;
  for (const field of shape.contactPoints) mapping[field] = [singleColumns[field] ?? field];
  for (const [field, parts] of Object.entries(shape.groups)) {
    mapping[field] = [Object.fromEntries(parts.filter((part) => part !== 'label').map((part) => [part, part]))];
  }
  return mapping;
}

/** Checks a parsed mapping file; every problem is listed at once (code INVALID_MAPPING). */
export function parseImportMapping(kind: ImportKind, json: unknown): ImportMapping {
  const issues: FieldIssue[] = [];
  const shape = shapes[kind];
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ValidationError([{ path: '', message: 'must be a JSON object of contract field → column' }], 'INVALID_MAPPING');
  }
  const isSource = (value: unknown): value is ValueSource =>
    (typeof value === 'string' && value.length > 0) ||
    (isRecord(value) && Object.keys(value).length === 1 && (nonEmptyString(value.column) || typeof value.value === 'string'));
  for (const [field, spec] of Object.entries(json)) {
    if (shape.scalars.includes(field)) {
      if (!isSource(spec)) issues.push({ path: field, message: 'must be a column name, { "column": … } or { "value": … }' });
    } else if (shape.contactPoints.includes(field)) {
      if (!Array.isArray(spec)) {
        issues.push({ path: field, message: 'must be a list of columns' });
        continue;
      }
      spec.forEach((item: unknown, index) => {
        const ok =
          nonEmptyString(item) ||
          (isRecord(item) &&
            nonEmptyString(item.column) &&
            Object.keys(item).every((key) => key === 'column' || key === 'label') &&
            (item.label === undefined || (contactLabels as readonly unknown[]).includes(item.label)));
        if (!ok) issues.push({ path: `${field}.${index}`, message: `must be a column name or { "column": …, "label": ${contactLabels.join('|')} }` });
      });
    } else if (shape.groups[field]) {
      const parts = shape.groups[field];
      if (!Array.isArray(spec)) {
        issues.push({ path: field, message: 'must be a list of column groups' });
        continue;
      }
      spec.forEach((group: unknown, index) => {
        if (!isRecord(group)) {
          issues.push({ path: `${field}.${index}`, message: `must be an object of ${parts.join(', ')}` });
          return;
        }
        for (const [part, source] of Object.entries(group)) {
          if (!parts.includes(part)) issues.push({ path: `${field}.${index}.${part}`, message: `is not a field of ${field} (${parts.join(', ')})` });
          else if (!isSource(source)) issues.push({ path: `${field}.${index}.${part}`, message: 'must be a column name, { "column": … } or { "value": … }' });
        }
      });
    } else {
      const known = [...shape.scalars, ...shape.contactPoints, ...Object.keys(shape.groups)];
      issues.push({ path: field, message: `is not a field of ${kind} (${known.join(', ')})` });
    }
  }
  for (const field of shape.required) {
    if (!(field in json)) issues.push({ path: field, message: 'is required: every row needs it' });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'INVALID_MAPPING');
  return json as ImportMapping;
}

type ColumnSource = { readonly column: string; readonly index: number };
type Resolved = ColumnSource | { readonly value: string };

interface CompiledPart {
  readonly field: string;
  readonly source: Resolved;
  readonly numeric: boolean;
}

interface CompiledContactPoint {
  readonly source: ColumnSource;
  readonly label: string | undefined;
}

/**
 * A mapping resolved against a file's columns: turns a row's cells into a contract payload.
 * Empty cells are absent fields; a contact point with an empty cell and a group whose cells are
 * all empty are left out.
 */
export class RowMapper {
  readonly #scalars: readonly CompiledPart[];
  readonly #contactPoints: readonly { readonly field: string; readonly items: readonly CompiledContactPoint[] }[];
  readonly #groups: readonly { readonly field: string; readonly items: readonly (readonly CompiledPart[])[] }[];
  /** Columns of the file no field reads. */
  readonly ignoredColumns: readonly string[];

  /**
   * `columns` are the file's column names (CSV header, in order). With `lenient` (the default
   * mapping), fields whose column the file lacks are dropped; otherwise a missing column is an
   * error before any row is read.
   */
  constructor(kind: ImportKind, mapping: ImportMapping, columns: readonly string[], lenient: boolean) {
    const shape = shapes[kind];
    const indexes = new Map<string, number>();
    const duplicates = new Set<string>();
    columns.forEach((name, index) => {
      if (indexes.has(name)) duplicates.add(name);
      else indexes.set(name, index);
    });
    const used = new Set<string>();
    const missing: FieldIssue[] = [];
    const resolve = (path: string, spec: ValueSource): Resolved | undefined => {
      if (typeof spec !== 'string' && 'value' in spec) return { value: spec.value };
      const column = typeof spec === 'string' ? spec : spec.column;
      const index = indexes.get(column);
      if (index === undefined) {
        if (!lenient) missing.push({ path, message: `names column ${JSON.stringify(column)}, which the file does not have` });
        return undefined;
      }
      if (duplicates.has(column)) missing.push({ path, message: `names column ${JSON.stringify(column)}, which the file has more than once` });
      used.add(column);
      return { column, index };
    };

    const scalars: CompiledPart[] = [];
    const contactPoints: { field: string; items: CompiledContactPoint[] }[] = [];
    const groups: { field: string; items: CompiledPart[][] }[] = [];
    for (const [field, spec] of Object.entries(mapping)) {
      if (shape.scalars.includes(field)) {
        const source = resolve(field, spec as ValueSource);
        if (source) scalars.push({ field, source, numeric: shape.numbers.includes(field) });
      } else if (shape.contactPoints.includes(field)) {
        const items: CompiledContactPoint[] = [];
        (spec as readonly ContactPointSource[]).forEach((item, index) => {
          const source = resolve(`${field}.${index}`, typeof item === 'string' ? item : { column: item.column });
          if (source && 'column' in source) items.push({ source, label: typeof item === 'string' ? undefined : item.label });
        });
        if (items.length > 0) contactPoints.push({ field, items });
      } else if (shape.groups[field]) {
        const items: CompiledPart[][] = [];
        (spec as readonly Readonly<Record<string, ValueSource>>[]).forEach((group, index) => {
          const parts: CompiledPart[] = [];
          for (const [part, partSpec] of Object.entries(group)) {
            const source = resolve(`${field}.${index}.${part}`, partSpec);
            if (source) parts.push({ field: part, source, numeric: false });
          }
          // A group of constants only (a lenient default whose columns are all absent) holds no data.
          if (parts.some((part) => 'column' in part.source)) items.push(parts);
        });
        if (items.length > 0) groups.push({ field, items });
      }
    }
    // An explicit mapping names every required field (parseImportMapping); the default one needs the columns.
    for (const field of lenient ? shape.required : []) {
      if (!scalars.some((part) => part.field === field)) missing.push({ path: field, message: `needs a column named ${field} (or a --mapping that names its column)` });
    }
    if (missing.length > 0) {
      const error = new ValidationError(missing, 'MAPPING_DOES_NOT_FIT');
      error.message = `The file's columns do not fit the mapping: ${error.message} (columns: ${columns.join(', ')})`;
      throw error;
    }
    this.#scalars = scalars;
    this.#contactPoints = contactPoints;
    this.#groups = groups;
    this.ignoredColumns = columns.filter((column) => !used.has(column));
  }

  /**
   * The payload of one row. With `trace`, records which column each contract path came from, so
   * a rejected row names the user's column rather than the contract path.
   */
  payload(cells: readonly (string | undefined)[], trace?: Map<string, string>): Record<string, unknown> {
    const payload: Record<string, unknown> = {};
    for (const part of this.#scalars) {
      const value = cellValue(cells, part);
      if (value !== undefined) payload[part.field] = value;
      if (trace && 'column' in part.source) trace.set(part.field, part.source.column);
    }
    for (const { field, items } of this.#contactPoints) {
      const points: Record<string, unknown>[] = [];
      for (const item of items) {
        const value = nonEmptyCell(cells[item.source.index]);
        if (value === undefined) continue;
        if (trace) trace.set(`${field}.${points.length}`, item.source.column);
        points.push(item.label === undefined ? { value } : { value, label: item.label });
      }
      if (points.length > 0) payload[field] = points;
    }
    for (const { field, items } of this.#groups) {
      const entries: Record<string, unknown>[] = [];
      for (const parts of items) {
        if (!parts.some((part) => 'column' in part.source && nonEmptyCell(cells[part.source.index]) !== undefined)) continue;
        const entry: Record<string, unknown> = {};
        for (const part of parts) {
          const value = cellValue(cells, part);
          if (value !== undefined) entry[part.field] = value;
          if (trace && 'column' in part.source) trace.set(`${field}.${entries.length}.${part.field}`, part.source.column);
        }
        entries.push(entry);
      }
      if (entries.length > 0) payload[field] = entries;
    }
    return payload;
  }
}

/** Every column a mapping names, in mapping order (JSONL with a mapping: the keys read from each object). */
export function referencedColumns(mapping: ImportMapping): string[] {
  const columns = new Set<string>();
  const add = (spec: unknown) => {
    if (typeof spec === 'string') columns.add(spec);
    else if (isRecord(spec) && typeof spec.column === 'string') columns.add(spec.column);
  };
  for (const spec of Object.values(mapping)) {
    if (!Array.isArray(spec)) add(spec);
    else for (const item of spec as unknown[]) {
      if (typeof item === 'string' || (isRecord(item) && 'column' in item)) add(item);
      else if (isRecord(item)) Object.values(item).forEach(add);
    }
  }
  return [...columns];
}

/** The column a contract path (`vehicles.0.vin`) came from, or the path itself when no column did. */
export function columnOf(trace: ReadonlyMap<string, string>, path: string): string {
  for (let prefix = path; prefix !== ''; prefix = prefix.slice(0, Math.max(0, prefix.lastIndexOf('.')))) {
    const column = trace.get(prefix);
    if (column !== undefined) return column;
  }
  return path;
}

function cellValue(cells: readonly (string | undefined)[], part: CompiledPart): unknown {
  if ('value' in part.source) return part.source.value;
  const text = nonEmptyCell(cells[part.source.index]);
  if (text === undefined || !part.numeric) return text;
  return /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
}

function nonEmptyCell(cell: string | undefined): string | undefined {
  return cell === undefined || cell.trim() === '' ? undefined : cell;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
