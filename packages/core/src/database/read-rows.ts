import { BulkSql, quote, type TableSpec } from './bulk-sql.js';
import { flushPending, type Em } from './orm.js';

type EntityRef = { readonly meta: { readonly className: string } };

/**
 * The read side of the request path: rows of an entity's table read with bound parameters past
 * the unit of work (nothing hydrated into the identity map, prepared statements kept on SQLite),
 * decoded to the entity's properties. The customer-360 runs a dozen such reads per request, where
 * MikroORM's query building and hydration cost more than the lookups themselves. Pending changes
 * are flushed first, as a query would (`flushPending`).
 */
export class RowReader {
  readonly #em: Em;
  readonly #sql: BulkSql;

  constructor(em: Em) {
    this.#em = em;
    this.#sql = new BulkSql(em);
  }

  spec<Row>(entity: EntityRef): TableSpec<Row> {
    return this.#sql.table<Row>(entity);
  }

  /** `select * from <table> where <where> <order>` with `params` for the `?` in `where`. */
  async select<Row>(entity: EntityRef, where: string, params: readonly unknown[], order = ''): Promise<Row[]> {
    await flushPending(this.#em);
    const spec = this.spec<Row>(entity);
    const rows = await this.#sql.query<Record<string, unknown>>(`select * from ${quote(spec.table)} where ${where} ${order}`, params);
    return rows.map((row) => this.#sql.decode(spec, row));
  }

  /** `select * … where <column> in (values)` in chunks; `where` prefixes further conditions (with `before` as their parameters). */
  async selectIn<Row>(entity: EntityRef, column: string, values: readonly unknown[], order = '', where = '', before: readonly unknown[] = []): Promise<Row[]> {
    if (values.length === 0) return [];
    await flushPending(this.#em);
    const spec = this.spec<Row>(entity);
    const rows = await this.#sql.selectIn<Record<string, unknown>>(
      values,
      (list) => `select * from ${quote(spec.table)} where ${where ? `${where} and ` : ''}${quote(column)} in (${list}) ${order}`,
      before,
    );
    return rows.map((row) => this.#sql.decode(spec, row));
  }

  /** Rows of a statement of its own (no decoding). */
  async query<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    await flushPending(this.#em);
    return this.#sql.query<T>(sql, params);
  }

  /** Decodes a raw row of `entity`'s table. */
  decode<Row>(entity: EntityRef, raw: Record<string, unknown>): Row {
    return this.#sql.decode(this.spec<Row>(entity), raw);
  }

  /** A value as a statement parameter of a datetime column. */
  datetime(value: Date): unknown {
    return this.#sql.encode({ codec: 'datetime' }, value);
  }

  /**
   * A MikroORM-style filter over scalar properties (`$or`, `$and`, `$in`, `$ne`, `$lt`, equality,
   * null) as SQL over `alias`'s columns, with its parameters: one rule (say the sharing scope's
   * `activityFilter`) serves the ORM's queries and these reads alike.
   */
  where(entity: EntityRef, filter: Record<string, unknown>, alias: string): { readonly sql: string; readonly params: unknown[] } {
    const spec = this.spec<Record<string, unknown>>(entity);
    const columns = new Map(spec.columns.map((column) => [column.property as string, column]));
    const params: unknown[] = [];
    const value = (item: unknown) => {
      params.push(item instanceof Date ? this.datetime(item) : item);
      return '?';
    };
    const condition = (node: Record<string, unknown>): string => {
      const parts: string[] = [];
      for (const [key, operand] of Object.entries(node)) {
        if (key === '$or' || key === '$and') {
          const items = (operand as Record<string, unknown>[]).map(condition);
          if (items.length === 0) parts.push(key === '$or' ? '1 = 0' : '1 = 1');
          else parts.push(`(${items.join(key === '$or' ? ' or ' : ' and ')})`);
          continue;
        }
        const column = columns.get(key);
        if (!column) throw new TypeError(`${spec.entity} has no column for the property ${key}`);
        const ref = `${alias}.${quote(column.column)}`;
        if (operand === null) parts.push(`${ref} is null`);
        else if (typeof operand === 'object' && !(operand instanceof Date)) {
          for (const [operator, argument] of Object.entries(operand as Record<string, unknown>)) {
            if (operator === '$in') {
              const list = argument as unknown[];
              parts.push(list.length === 0 ? '1 = 0' : `${ref} in (${list.map((item) => value(item)).join(', ')})`);
            } else if (operator === '$ne') parts.push(argument === null ? `${ref} is not null` : `${ref} <> ${value(argument)}`);
            else if (operator === '$lt') parts.push(`${ref} < ${value(argument)}`);
            else throw new TypeError(`unsupported filter operator ${operator}`);
          }
        } else parts.push(`${ref} = ${value(operand)}`);
      }
      return parts.length === 0 ? '1 = 1' : parts.join(' and ');
    };
    return { sql: condition(filter), params };
  }
}
