import { JsonType, type EntityMetadata } from '@mikro-orm/core';
import type { Dialect } from './database-url.js';
import { dialectOf, type Em, type Orm } from './orm.js';

/** How a column's JavaScript value is stored: as is, as a datetime, or as JSON. */
export type ColumnCodec = 'plain' | 'datetime' | 'json';

export interface ColumnSpec<Row> {
  readonly property: keyof Row & string;
  readonly column: string;
  /** The column's type in the database, for the casts a PostgreSQL `values` list needs (its parameters are untyped). */
  readonly type: string;
  readonly codec: ColumnCodec;
}

/** A table as the bulk statements see it (read from the entity's metadata): its columns and the ones that form its key. */
export interface TableSpec<Row> {
  /** The entity's class name in the ORM's metadata. */
  readonly entity: string;
  readonly table: string;
  readonly key: readonly (keyof Row & string)[];
  readonly columns: readonly ColumnSpec<Row>[];
}

/** SQLite's default SQLITE_MAX_VARIABLE_NUMBER is 32766 (PostgreSQL allows 65535): stay well under both. */
const MAX_PARAMS_PER_STATEMENT = 30_000;
const MAX_ROWS_PER_STATEMENT = 500;
const MAX_IN_LIST = 900;
const tableSpecs = new WeakMap<EntityMetadata, TableSpec<unknown>>();
const STATEMENTS_PER_CONNECTION = 200;

/** What BulkSql needs of a knex transaction: its connection (the transaction's client hands out only that one). */
interface TransactionContext {
  isCompleted(): boolean;
  readonly client: { acquireConnection(): Promise<unknown> };
}

interface SqliteStatement {
  readonly reader: boolean;
  all(params: readonly unknown[]): unknown[];
  run(params: readonly unknown[]): unknown;
}

interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

interface PgConnection {
  query(sql: string, params: readonly unknown[]): Promise<{ rows: unknown[] }>;
}

/** A prepared statement and whether it returns rows (asked once: the driver answers it natively on every call). */
interface Prepared {
  readonly statement: SqliteStatement;
  readonly reader: boolean;
}

const statements = new WeakMap<SqliteConnection, Map<string, Prepared>>();

/** The connection's prepared statement for `sql`, kept for the next batch (least recently used dropped first). */
function preparedStatement(connection: SqliteConnection, sql: string): Prepared {
  let cache = statements.get(connection);
  if (!cache) {
    cache = new Map();
    statements.set(connection, cache);
  }
  let prepared = cache.get(sql);
  if (prepared) {
    cache.delete(sql);
  } else {
    const statement = connection.prepare(sql);
    prepared = { statement, reader: statement.reader };
    if (cache.size >= STATEMENTS_PER_CONNECTION) cache.delete(cache.keys().next().value!);
  }
  cache.set(sql, prepared);
  return prepared;
}

/** Runs a prepared statement: the rows of a reader, none of a writer. */
function execute<T>(prepared: Prepared, params: readonly unknown[]): T[] {
  if (prepared.reader) return prepared.statement.all(params) as T[];
  prepared.statement.run(params);
  return [];
}

/**
 * Set-based statements with bound parameters on `em`'s connection, inside its transaction if it
 * has one. The ingest's hot path writes through it instead of the unit of work: change-set
 * computation and one statement per entity cost more than the work itself at thousands of rows a
 * second. Driver errors come back as MikroORM's exceptions (UniqueConstraintViolationException…),
 * exactly as a flush would raise them. Rows come back as the driver returns them; `decode` maps them.
 */
export class BulkSql {
  readonly dialect: Dialect;

  constructor(private readonly em: Em) {
    // dialectOf only reads the configuration, which a fork shares with its ORM.
    this.dialect = dialectOf({ config: em.config } as Orm);
  }

  /** The table of an entity (scalar properties and to-one keys), from the ORM's metadata: one mapping, the entity definition. */
  table<Row>(entity: { readonly meta: { readonly className: string } }): TableSpec<Row> {
    const meta = this.em.getMetadata().get(entity.meta.className);
    let spec = tableSpecs.get(meta) as TableSpec<Row> | undefined;
    if (!spec) {
      const columns = meta.props
        .filter((prop) => prop.fieldNames?.length === 1 && (prop.kind === 'scalar' || prop.kind === 'm:1'))
        .map(
          (prop): ColumnSpec<Row> => ({
            property: prop.name as keyof Row & string,
            column: prop.fieldNames[0]!,
            type: prop.columnTypes[0] ?? 'text',
            codec: prop.runtimeType === 'Date' ? 'datetime' : prop.customType instanceof JsonType ? 'json' : 'plain',
          }),
        );
      spec = { entity: meta.className, table: meta.tableName, key: meta.primaryKeys as (keyof Row & string)[], columns };
      tableSpecs.set(meta, spec as TableSpec<unknown>);
    }
    return spec;
  }

  /** Runs `sql` with `?` placeholders (so it must hold no literal `?`), inside the EntityManager's transaction if there is one. */
  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const transaction = this.em.getTransactionContext<TransactionContext>();
    try {
      if (transaction) return await this.#onConnection<T>(transaction, sql, params);
      if (this.dialect === 'sqlite') return await this.#onPooledConnection<T>(sql, params);
      const query = this.em.getKnex().raw(sql, params as never);
      const result: unknown = await query;
      if (Array.isArray(result)) return result as T[];
      return (result as { rows?: T[] }).rows ?? [];
    } catch (error) {
      throw error instanceof Error ? this.em.getPlatform().getExceptionConverter().convertException(error) : error;
    }
  }

  /**
   * Runs on the transaction's own connection, past knex's query builder: for thousands of
   * parameters its formatting costs more than the statement. On SQLite the prepared statement is
   * kept per connection (chunks of equal size repeat batch after batch).
   */
  async #onConnection<T>(transaction: TransactionContext, sql: string, params: readonly unknown[]): Promise<T[]> {
    if (transaction.isCompleted()) throw new Error(`the transaction is already complete: ${sql.slice(0, 60)}`);
    const connection = await transaction.client.acquireConnection();
    if (this.dialect === 'sqlite') {
      return execute<T>(preparedStatement(connection as SqliteConnection, sql), params);
    }
    let index = 0;
    const result = await (connection as PgConnection).query(
      sql.replace(/\?/g, () => `$${(index += 1)}`),
      params,
    );
    return result.rows as T[];
  }

  /**
   * Outside a transaction on SQLite: the pool's one connection, borrowed for the statement
   * (waiting while a transaction holds it, as knex would), with the prepared statement kept.
   * The customer views read here on every request; knex's formatting and a fresh prepare cost
   * more than the lookups themselves.
   */
  async #onPooledConnection<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    const client = this.em.getKnex().client as {
      acquireConnection(): Promise<unknown>;
      releaseConnection(connection: unknown): Promise<unknown>;
      emit(event: 'query', query: { readonly method: string; readonly sql: string; readonly bindings: readonly unknown[] }): void;
    };
    const connection = await client.acquireConnection();
    // As knex reports its own statements: query logs and statement counters see these too.
    client.emit('query', { method: 'raw', sql, bindings: params });
    try {
      return execute<T>(preparedStatement(connection as SqliteConnection, sql), params);
    } finally {
      await client.releaseConnection(connection);
    }
  }

  /** `select … where <column> in (…)`, chunked: `sql` receives the placeholder list; `before` are the parameters ahead of it. */
  async selectIn<T>(values: readonly unknown[], sql: (placeholders: string) => string, before: readonly unknown[] = []): Promise<T[]> {
    const unique = [...new Set(values)];
    const rows: T[] = [];
    for (let start = 0; start < unique.length; start += MAX_IN_LIST) {
      const chunk = unique.slice(start, start + MAX_IN_LIST);
      // SQLite: lists padded to a power of two (repeating the last value changes nothing) reuse a few prepared statements.
      if (this.dialect === 'sqlite') while (chunk.length & (chunk.length - 1)) chunk.push(chunk[chunk.length - 1]);
      rows.push(...(await this.query<T>(sql(placeholders(chunk.length)), [...before, ...chunk])));
    }
    return rows;
  }

  /** Multi-row `insert`, chunked under the parameter limit. A duplicate key fails the statement, as a flush would. */
  async insert<Row>(spec: TableSpec<Row>, rows: readonly Row[]): Promise<void> {
    await this.insertEncoded(spec, rows.map((row) => this.encodeRow(spec, row)));
  }

  /** `insert` of rows already encoded by `encodeRow`. */
  async insertEncoded<Row>(spec: TableSpec<Row>, rows: readonly (readonly unknown[])[]): Promise<void> {
    await this.insertValues(spec.table, spec.columns.map((column) => column.column), rows);
  }

  /** Multi-row `insert` of rows given as their `columns`' values (already encoded), chunked under the parameter limit. */
  async insertValues(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
    if (rows.length === 0) return;
    for (const chunk of this.#chunks(rows, rowsPerStatement(columns.length))) {
      const params = new Array<unknown>(chunk.length * columns.length);
      let index = 0;
      for (const row of chunk) for (const value of row) params[index++] = value;
      await this.query(insertSql(table, columns, chunk.length), params);
    }
  }

  /**
   * Multi-row `update … from (values …)` of the columns at `columns` (indexes into the spec's
   * columns) by the table's key, for rows encoded by `encodeRow` (SQLite ≥ 3.33 and PostgreSQL).
   * A row that no longer exists is not written back, as with the unit of work.
   */
  async updateEncoded<Row>(spec: TableSpec<Row>, columns: readonly number[], rows: readonly (readonly unknown[])[]): Promise<void> {
    if (rows.length === 0 || columns.length === 0) return;
    const keyIndexes = spec.key.map((property) => spec.columns.findIndex((column) => column.property === property));
    const indexes = [...keyIndexes, ...columns];
    const all = indexes.map((index) => spec.columns[index]!);
    const postgres = this.dialect === 'postgresql';
    // SQLite names the columns of a values list column1, column2…; PostgreSQL takes an alias list and needs casts.
    const ref = (index: number) => (postgres ? `v.${quote(`c${index}`)}` : `v.column${index + 1}`);
    const alias = postgres ? `v(${all.map((_, index) => quote(`c${index}`)).join(', ')})` : 'v';
    const perRow = `(${all.map((column) => (postgres ? `?::${column.type}` : '?')).join(', ')})`;
    const assignments = all
      .slice(keyIndexes.length)
      .map((column, index) => `${quote(column.column)} = ${ref(keyIndexes.length + index)}`)
      .join(', ');
    const match = all
      .slice(0, keyIndexes.length)
      .map((column, index) => `${quote(spec.table)}.${quote(column.column)} = ${ref(index)}`)
      .join(' and ');
    for (const chunk of this.#chunks(rows, rowsPerStatement(all.length))) {
      const params: unknown[] = [];
      for (const row of chunk) for (const index of indexes) params.push(row[index]);
      await this.query(`update ${quote(spec.table)} set ${assignments} from (values ${chunk.map(() => perRow).join(', ')}) as ${alias} where ${match}`, params);
    }
  }

  /** SQLite keeps prepared statements per connection, so its chunks come in few sizes; PostgreSQL prepares none and takes fewer round trips. */
  #chunks<T>(items: readonly T[], size: number): T[][] {
    return this.dialect === 'sqlite' ? preparedChunks(items, size) : chunks(items, size);
  }

  /** A row's values in the order of the spec's columns, as statement parameters. */
  encodeRow<Row>(spec: TableSpec<Row>, row: Row): unknown[] {
    const values = new Array<unknown>(spec.columns.length);
    for (let index = 0; index < spec.columns.length; index += 1) {
      const column = spec.columns[index]!;
      values[index] = this.encode(column, row[column.property]);
    }
    return values;
  }

  /** Entities of these rows that the EntityManager manages take the written state, so a later flush does not undo it. */
  refreshManaged<Row extends object>(spec: TableSpec<Row>, rows: readonly Row[]): void {
    const uow = this.em.getUnitOfWork();
    if (rows.length === 0 || uow.getIdentityMap().getStore(this.em.getMetadata().get(spec.entity)).size === 0) return;
    for (const row of rows) {
      if (uow.tryGetById(spec.entity, row as never, undefined, false)) this.em.merge(spec.entity, row as never, { refresh: true });
    }
  }

  /** A JavaScript value as a statement parameter: MikroORM stores datetimes as epoch milliseconds on SQLite, as timestamptz on PostgreSQL. */
  encode<Row>(column: Pick<ColumnSpec<Row>, 'codec'>, value: unknown): unknown {
    if (value === undefined || value === null) return null;
    if (column.codec === 'datetime') return this.dialect === 'sqlite' ? (value as Date).getTime() : (value as Date).toISOString();
    if (column.codec === 'json') return JSON.stringify(value);
    return value;
  }

  /** A row as the driver returned it (snake_case columns) as the entity's properties. */
  decode<Row>(spec: TableSpec<Row>, raw: Record<string, unknown>): Row {
    const row: Record<string, unknown> = {};
    for (const column of spec.columns) row[column.property] = decodeValue(column.codec, raw[column.column]);
    return row as Row;
  }
}

function decodeValue(codec: ColumnCodec | undefined, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (codec === 'datetime') return readDate(value);
  if (codec === 'json') return typeof value === 'string' ? JSON.parse(value) : value;
  return value;
}

/** SQLite returns epoch milliseconds; PostgreSQL (as MikroORM configures pg) the timestamptz text, e.g. `2026-03-02 08:30:00.123+00`. */
function readDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  const text = String(value);
  if (/^\d+$/.test(text)) return new Date(Number(text));
  return new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

const insertStatements = new Map<string, string>();
const INSERT_STATEMENTS_KEPT = 2_000;

/** `insert into … values (?, …), …` for `count` rows, built once per table, columns and row count. */
function insertSql(table: string, columns: readonly string[], count: number): string {
  const key = `${table}\u0000${columns.join('\u0000')}\u0000${count}`;
  let sql = insertStatements.get(key);
  if (!sql) {
    const perRow = `(${placeholders(columns.length)})`;
    sql = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${Array.from({ length: count }, () => perRow).join(', ')}`;
    if (insertStatements.size < INSERT_STATEMENTS_KEPT) insertStatements.set(key, sql);
  }
  return sql;
}

export function quote(identifier: string): string {
  return `"${identifier}"`;
}

export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function rowsPerStatement(columns: number): number {
  return Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS_PER_STATEMENT / columns)));
}

/** Chunks of `size` items, then the rest as one chunk. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * Chunks of `size` items, then the rest in chunks of decreasing powers of two (137 → 128, 8, 1):
 * a few row counts recur, so their prepared statements are reused, where every other rest would
 * be a statement of its own to prepare (for a 500-row insert that takes longer than running it).
 */
function preparedChunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  let start = 0;
  for (; items.length - start >= size; start += size) result.push(items.slice(start, start + size));
  for (let power = 2 ** Math.floor(Math.log2(size)); start < items.length; power /= 2) {
    if (items.length - start >= power) {
      result.push(items.slice(start, start + power));
      start += power;
    }
  }
  return result;
}
