import pg from 'pg';
import { dialectOf } from '../database/orm.js';
import type { Orm } from '../database/orm.js';

/**
 * Live news of changed customers, for readers that follow them (GraphQL subscriptions): which
 * customers a committed transaction changed, never what changed — a reader reads the customer
 * again through its own sharing scope. Best effort by design: a reader that was not listening,
 * or whose connection dropped, has missed the news and reads the current state instead. The
 * durable feeds are the outbound topics and webhooks.
 *
 * PostgreSQL: a NOTIFY on one channel, heard by every process on the database (the ingest may
 * run in `tandem worker` processes, the API in others). SQLite: the news goes to the listeners of
 * the same Orm in this process, and to its relays (`relayCustomerChanges`: the other processes of
 * a `tandem serve` with several HTTP processes).
 */
export const customerChangesChannel = 'tandem_customer_changes';

/** A notification payload is at most 8000 bytes: ids (36 characters) joined by commas, 200 a time. */
const IDS_PER_NOTIFICATION = 200;

export type CustomerChangeListener = (customerIds: readonly string[]) => void;

/** In-process listeners per database handle (SQLite). */
const localListeners = new WeakMap<Orm, Set<CustomerChangeListener>>();
/** Where news announced in this process also goes, per database handle (SQLite). */
const relays = new WeakMap<Orm, Set<CustomerChangeListener>>();

/** Tells every listening reader that `customerIds` changed. Call after the transaction that changed them committed. */
export async function announceCustomerChanges(orm: Orm, customerIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return;
  if (dialectOf(orm) === 'sqlite') {
    hearCustomerChanges(orm, ids);
    for (const relay of relays.get(orm) ?? []) relay(ids);
    return;
  }
  const connection = orm.em.getConnection();
  for (let start = 0; start < ids.length; start += IDS_PER_NOTIFICATION) {
    await connection.execute('select pg_notify(?, ?)', [customerChangesChannel, ids.slice(start, start + IDS_PER_NOTIFICATION).join(',')]);
  }
}

/**
 * SQLite: hands the news announced in this process to `relay` as well (to the other processes of
 * the hub on the same file), until the result is called. News they send back goes to
 * `hearCustomerChanges`. PostgreSQL needs no relay: its NOTIFY reaches every process.
 */
export function relayCustomerChanges(orm: Orm, relay: CustomerChangeListener): () => void {
  const set = relays.get(orm) ?? new Set();
  set.add(relay);
  relays.set(orm, set);
  return () => set.delete(relay);
}

/** SQLite: news another process announced, for this process's listeners (not relayed again). */
export function hearCustomerChanges(orm: Orm, customerIds: readonly string[]): void {
  for (const listener of localListeners.get(orm) ?? []) listener(customerIds);
}

/** Why a feed stopped: closed by its owner (shutdown) or lost its database connection. */
export type FeedEnd = { readonly reason: 'closed' } | { readonly reason: 'interrupted'; readonly error: unknown };

export interface CustomerChangeSubscriber {
  readonly changed: CustomerChangeListener;
  /** No more news will come. */
  readonly ended: (end: FeedEnd) => void;
}

/**
 * One process's ear for customer changes: subscribers come and go; on PostgreSQL one connection
 * LISTENs while any subscriber is there. A lost connection ends every subscriber (news may have
 * been missed in between, so they must not carry on as if complete); the next subscriber listens
 * afresh.
 */
export class CustomerChangeFeed {
  readonly #orm: Orm;
  readonly #subscribers = new Set<CustomerChangeSubscriber>();
  #listening: Promise<pg.Client> | undefined;
  /** The connection that LISTENs now; its loss ends the subscribers. */
  #client: pg.Client | undefined;
  #closed = false;
  readonly #dispatch: CustomerChangeListener = (ids) => {
    for (const subscriber of this.#subscribers) subscriber.changed(ids);
  };

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  /** Resolves once news committed from now on reaches `subscriber`; call the result to leave. */
  async subscribe(subscriber: CustomerChangeSubscriber): Promise<() => void> {
    if (this.#closed) throw new Error('the customer change feed is closed');
    this.#subscribers.add(subscriber);
    try {
      await this.#listen();
    } catch (error) {
      this.#subscribers.delete(subscriber);
      throw error;
    }
    return () => this.#leave(subscriber);
  }

  /** Ends every subscriber and stops listening; for shutdown. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#endAll({ reason: 'closed' });
    await this.#unlisten();
  }

  #leave(subscriber: CustomerChangeSubscriber): void {
    if (this.#subscribers.delete(subscriber) && this.#subscribers.size === 0) void this.#unlisten();
  }

  #endAll(end: FeedEnd): void {
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    for (const subscriber of subscribers) subscriber.ended(end);
  }

  async #listen(): Promise<void> {
    if (dialectOf(this.#orm) === 'sqlite') {
      const listeners = localListeners.get(this.#orm) ?? new Set();
      listeners.add(this.#dispatch);
      localListeners.set(this.#orm, listeners);
      return;
    }
    this.#listening ??= this.#connect();
    await this.#listening;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.#orm.config.get('clientUrl') });
    client.on('notification', (message) => {
      if (message.channel === customerChangesChannel && message.payload) this.#dispatch(message.payload.split(','));
    });
    // An unexpected end (server restart, network) may come as an error, an end, or both.
    const lost = (error: unknown) => {
      if (this.#client === client) this.#interrupted(error);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('the LISTEN connection ended')));
    try {
      await client.connect();
      await client.query(`listen ${customerChangesChannel}`);
      this.#client = client;
    } catch (error) {
      this.#listening = undefined;
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  #interrupted(error: unknown): void {
    void this.#unlisten();
    this.#endAll({ reason: 'interrupted', error });
  }

  async #unlisten(): Promise<void> {
    if (dialectOf(this.#orm) === 'sqlite') {
      localListeners.get(this.#orm)?.delete(this.#dispatch);
      return;
    }
    const listening = this.#listening;
    this.#listening = undefined;
    const client = await listening?.catch(() => undefined);
    if (!client) return;
    // Cleared before ending it, so its own end is not taken for a lost connection.
    if (this.#client === client) this.#client = undefined;
    await client.end().catch(() => undefined);
  }
}
