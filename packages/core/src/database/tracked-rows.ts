import type { BulkSql, TableSpec } from './bulk-sql.js';

interface Entry<Row> {
  readonly row: Row;
  /** The stored values of the row as last read or written; undefined while the row is new. */
  stored: readonly unknown[] | undefined;
}

/**
 * Rows of one table held in memory for a batch, written back in a few statements: new rows as a
 * multi-row insert, changed rows as multi-row updates of the columns that changed (grouped by
 * column set, as the unit of work would write them), unchanged rows not at all.
 */
export class TrackedRows<Row extends object> {
  readonly #entries = new Map<string, Entry<Row>>();

  constructor(
    private readonly sql: BulkSql,
    readonly spec: TableSpec<Row>,
    private readonly keyOf: (row: Row) => string,
  ) {}

  get(key: string): Row | undefined {
    return this.#entries.get(key)?.row;
  }

  /** Tracks a row read from the database; a row already tracked wins (it may hold the batch's changes). */
  loaded(row: Row): Row {
    const key = this.keyOf(row);
    const known = this.#entries.get(key);
    if (known) return known.row;
    this.#entries.set(key, { row, stored: this.stored(row) });
    return row;
  }

  /** Tracks a row to insert. */
  created(row: Row): Row {
    this.#entries.set(this.keyOf(row), { row, stored: undefined });
    return row;
  }

  *values(): IterableIterator<Row> {
    for (const entry of this.#entries.values()) yield entry.row;
  }

  /**
   * Writes what changed since the last read or write and returns the rows written. An entity
   * of one of them that the EntityManager manages is refreshed with the written state.
   */
  async write(): Promise<Row[]> {
    const inserts: (readonly unknown[])[] = [];
    const updates = new Map<string, { columns: number[]; rows: (readonly unknown[])[] }>();
    const written: Row[] = [];
    const key = new Set<string>(this.spec.key);
    for (const entry of this.#entries.values()) {
      const now = this.stored(entry.row);
      if (!entry.stored) {
        inserts.push(now);
      } else {
        const changed: number[] = [];
        for (let index = 0; index < now.length; index += 1) {
          if (entry.stored[index] !== now[index] && !key.has(this.spec.columns[index]!.property)) changed.push(index);
        }
        if (changed.length === 0) continue;
        const signature = changed.join(',');
        const group = updates.get(signature) ?? { columns: changed, rows: [] };
        group.rows.push(now);
        updates.set(signature, group);
      }
      entry.stored = now;
      written.push(entry.row);
    }
    await this.sql.insertEncoded(this.spec, inserts);
    for (const group of updates.values()) await this.sql.updateEncoded(this.spec, group.columns, group.rows);
    this.sql.refreshManaged(this.spec, written);
    return written;
  }

  private stored(row: Row): unknown[] {
    return this.sql.encodeRow(this.spec, row);
  }
}
