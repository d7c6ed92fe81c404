import { v7 as uuidv7 } from 'uuid';
import type { Em, Orm } from '../database/orm.js';
import { AccessAuditEntryEntity, type AccessAuditEntryRow } from './access-audit.entity.js';
import type { AccessRead } from './access-trail.js';

export interface AccessAuditorOptions {
  /** Buffered entries that trigger a flush at once (default 200). */
  readonly maxBatch?: number;
  /** Longest an entry waits in the buffer (default 1000 ms). */
  readonly flushIntervalMs?: number;
  /**
   * Entries kept while the database refuses them (default 50 000); beyond it the oldest are
   * dropped and reported to `onError` — memory must not grow without bound in an outage.
   */
  readonly maxBuffered?: number;
  /** Told of every failed flush (entries are kept and retried) and of every dropped entry. */
  readonly onError?: (error: unknown, details: { readonly buffered: number; readonly dropped: number }) => void;
}

/** Rows per insert statement: 12 parameters each, well under SQLite's 32 766 bound parameters. */
const ROWS_PER_INSERT = 500;

/**
 * Writes the access audit off the read path: `record` only appends to an in-memory buffer; the
 * buffer goes to the database in multi-row inserts when it holds `maxBatch` entries, after
 * `flushIntervalMs`, on `flush()` and on `close()`. Flushes run one at a time. A failed flush keeps
 * its entries for the next one. Entries still buffered when the process dies are lost, so
 * `close()` belongs in the shutdown sequence, after the HTTP server has drained.
 */
export class AccessAuditor {
  readonly #orm: Orm;
  readonly #maxBatch: number;
  readonly #intervalMs: number;
  readonly #maxBuffered: number;
  readonly #onError: NonNullable<AccessAuditorOptions['onError']>;
  #buffer: AccessAuditEntryRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(orm: Orm, options: AccessAuditorOptions = {}) {
    this.#orm = orm;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 200);
    this.#intervalMs = Math.max(0, options.flushIntervalMs ?? 1000);
    this.#maxBuffered = Math.max(this.#maxBatch, options.maxBuffered ?? 50_000);
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Entries waiting for a flush. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Buffers reads for the audit; never waits for the database. After `close()` each call flushes at once. */
  record(reads: readonly AccessRead[]): void {
    if (reads.length === 0) return;
    for (const read of reads) this.#buffer.push(toRow(read));
    this.#trim();
    if (this.#closed || this.#buffer.length >= this.#maxBatch) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.#intervalMs).unref();
  }

  /** Writes everything buffered now; resolves when it is stored (or the attempt failed and was reported). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  /** Stops the timer and writes what is buffered. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  async #write(): Promise<void> {
    const rows = this.#buffer;
    if (rows.length === 0) return;
    this.#buffer = [];
    let written = 0;
    try {
      const em = this.#orm.em.fork() as Em;
      for (; written < rows.length; written += ROWS_PER_INSERT) {
        await em.insertMany(AccessAuditEntryEntity, rows.slice(written, written + ROWS_PER_INSERT));
      }
    } catch (error) {
      this.#buffer = [...rows.slice(written), ...this.#buffer];
      this.#trim();
      this.#onError(error, { buffered: this.#buffer.length, dropped: 0 });
      if (!this.#closed) this.#timer ??= setTimeout(() => void this.flush(), this.#intervalMs).unref();
    }
  }

  #trim(): void {
    const excess = this.#buffer.length - this.#maxBuffered;
    if (excess <= 0) return;
    this.#buffer.splice(0, excess);
    this.#onError(new Error(`access audit buffer full: ${excess} oldest entries dropped`), { buffered: this.#buffer.length, dropped: excess });
  }
}

function toRow(read: AccessRead): AccessAuditEntryRow {
  return {
    id: uuidv7(),
    at: read.at,
    principal: read.principal.slice(0, 200),
    role: read.role.slice(0, 40),
    party: read.party,
    actingFor: read.actingFor ?? null,
    customer: read.customerId,
    dataClasses: [...read.dataClasses],
    agreementIds: [...read.agreementIds],
    grantors: read.grantors.length > 0 ? `,${read.grantors.join(',')},` : '',
    requestId: read.requestId.slice(0, 200),
  };
}
