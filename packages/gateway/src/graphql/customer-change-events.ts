import type { CustomerView, FeedEnd } from '@tandem/core';
import { TandemError } from '@tandem/schema';
import type { GraphQLContext } from './context.js';

/**
 * One thing a subscription emits, with the context its fields are resolved in: read afresh for
 * it (credentials, sharing scope, loaders), so an agreement revoked or a key withdrawn while the
 * subscription is open takes effect with the next event. `useSubscriptionEvents` executes each
 * event in its context.
 */
export interface SubscriptionEvent<T> {
  readonly context: GraphQLContext;
  readonly value: T;
}

export function isSubscriptionEvent(payload: unknown): payload is SubscriptionEvent<unknown> {
  return typeof payload === 'object' && payload !== null && 'context' in payload && 'value' in payload;
}

/**
 * A subscription source that reads events in batches: the events it already holds can be taken
 * at once and executed together, so their fields' loaders (one event context per batch) read
 * for all of them in one statement each instead of one per event.
 */
export interface BatchedEvents {
  takeReady(): unknown[];
}

export function isBatchedEvents(source: object): source is BatchedEvents {
  return typeof (source as Partial<BatchedEvents>).takeReady === 'function';
}

/**
 * Distinct changed customers a subscriber may fall behind by. Changes of one customer coalesce
 * (it is read once, as it is then), so only a subscriber slower than the change rate across many
 * customers reaches it; its subscription then ends with `SUBSCRIBER_TOO_SLOW` rather than holding
 * an unbounded backlog — it re-reads what it needs (the export, for a connector) and subscribes again.
 */
export const maxPendingCustomers = 10_000;
/** Customers read in one event context (one set of statements). */
const READ_AT_ONCE = 200;
/** The longest a Node timer waits (about 24.8 days); an expiry further out is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CustomerChangeOptions {
  /** The subscription field, for the log. */
  readonly field: string;
  /** Only this customer (`customerChanged(id:)`); default every customer the caller may see. */
  readonly only?: string;
  /** Most distinct customers waiting to be read (default `maxPendingCustomers`). */
  readonly maxPending?: number;
}

/** Why a subscription ended: the client went away, the gateway shut down, or a failure the client is told. */
type Ending = { readonly kind: 'done'; readonly reason: 'client gone' | 'shutdown' } | { readonly kind: 'failed'; readonly error: TandemError };

/**
 * The customers the caller may see, each time one changes, as the caller sees it then. News
 * comes from the process's customer change feed; each batch of changed customers is read in a
 * fresh event context, and customers the caller may not see (now) are left out silently, exactly
 * as if they did not exist. Ending (client gone, feed closed or lost, too slow, credentials no
 * longer valid) releases the feed and the caller's subscription quota at once, even while a read waits.
 */
export class CustomerChangeEvents implements AsyncIterableIterator<SubscriptionEvent<CustomerView>>, BatchedEvents {
  readonly #context: GraphQLContext;
  readonly #only: string | undefined;
  readonly #maxPending: number;
  /** Changed customers not read yet, in order of first news. */
  #pending = new Set<string>();
  /** Read and visible, not yet handed out. */
  #ready: SubscriptionEvent<CustomerView>[] = [];
  #ending: Ending | undefined;
  #wake: (() => void) | undefined;
  #leave: (() => void) | undefined;
  readonly #release: () => void;
  #expiry: NodeJS.Timeout | undefined;
  readonly #field: string;
  readonly #openedAt = Date.now();
  /** Events handed out, for the log. */
  #sent = 0;

  private constructor(context: GraphQLContext, options: CustomerChangeOptions) {
    this.#context = context;
    this.#field = options.field;
    this.#only = options.only;
    this.#maxPending = options.maxPending ?? maxPendingCustomers;
    // Subscription fields require an authenticated caller (auth scope `authenticated`).
    this.#release = context.live.admit(context.principal!);
    this.#endAtExpiry(context.principal!.expiresAt);
  }

  /** Resolves once the subscription hears every change committed from now on. */
  static async open(context: GraphQLContext, options: CustomerChangeOptions): Promise<CustomerChangeEvents> {
    const events = new CustomerChangeEvents(context, options);
    try {
      events.#leave = await context.live.changes.subscribe({ changed: (ids) => events.#heard(ids), ended: (end) => events.#feedEnded(end) });
    } catch (cause) {
      const error = new TandemError('UNAVAILABLE', 'CHANGE_FEED_UNAVAILABLE', 'changes cannot be followed now; try again shortly', { retriable: true, cause });
      events.#end({ kind: 'failed', error });
      throw error;
    }
    return events;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<SubscriptionEvent<CustomerView>, undefined>> {
    for (;;) {
      const event = this.#ready.shift();
      if (event) {
        this.#sent += 1;
        return { done: false, value: event };
      }
      if (this.#pending.size > 0) {
        await this.#readPending();
        continue;
      }
      if (this.#ending) return this.#finish();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** The events already read (of the last batch), in order: `next` would hand them out one by one. */
  takeReady(): SubscriptionEvent<CustomerView>[] {
    const ready = this.#ready.splice(0);
    this.#sent += ready.length;
    return ready;
  }

  async return(): Promise<IteratorResult<SubscriptionEvent<CustomerView>, undefined>> {
    this.#end({ kind: 'done', reason: 'client gone' });
    this.#pending.clear();
    this.#ready = [];
    return { done: true, value: undefined };
  }

  #heard(ids: readonly string[]): void {
    if (this.#ending) return;
    for (const id of ids) if (this.#only === undefined || id === this.#only) this.#pending.add(id);
    if (this.#pending.size > this.#maxPending) {
      this.#pending.clear();
      this.#end({ kind: 'failed', error: new TandemError('UNAVAILABLE', 'SUBSCRIBER_TOO_SLOW', `more than ${this.#maxPending} changed customers were waiting to be sent; read the current state and subscribe again`) });
    }
    this.#signal();
  }

  #feedEnded(end: FeedEnd): void {
    this.#end(
      end.reason === 'closed'
        ? { kind: 'done', reason: 'shutdown' }
        : { kind: 'failed', error: new TandemError('UNAVAILABLE', 'CHANGE_FEED_INTERRUPTED', 'changes may have been missed; read the current state and subscribe again', { retriable: true, cause: end.error }) },
    );
  }

  /** Reads the waiting customers in one fresh event context; the credentials are checked again first. */
  async #readPending(): Promise<void> {
    const ids = [...this.#pending].slice(0, READ_AT_ONCE);
    for (const id of ids) this.#pending.delete(id);
    try {
      const context = await this.#context.live.eventContext();
      const views = await context.customers.loadMany(ids);
      for (const view of views) {
        if (view instanceof Error) throw view;
        if (view) this.#ready.push({ context, value: view });
      }
    } catch (error) {
      if (!(error instanceof TandemError)) throw error;
      this.#pending.clear();
      this.#end({ kind: 'failed', error });
    }
  }

  /** A bearer token's subscription ends when the token does, even while no change comes (the client subscribes again with a fresh one). */
  #endAtExpiry(expiresAt: number | undefined): void {
    if (expiresAt === undefined) return;
    const wait = expiresAt * 1000 - Date.now();
    if (wait > MAX_TIMER_MS) {
      this.#expiry = setTimeout(() => this.#endAtExpiry(expiresAt), MAX_TIMER_MS).unref();
      return;
    }
    this.#expiry = setTimeout(() => this.#end({ kind: 'failed', error: new TandemError('UNAUTHENTICATED', 'TOKEN_EXPIRED', 'token has expired; subscribe again with a fresh one') }), Math.max(0, wait)).unref();
  }

  #end(ending: Ending): void {
    if (this.#ending) return;
    this.#ending = ending;
    clearTimeout(this.#expiry);
    this.#leave?.();
    this.#release();
    this.#signal();
    this.#logEnd(ending);
  }

  /** One line per subscription: how long it ran, what it sent, why it ended (a lost feed is the operator's concern: warn). */
  #logEnd(ending: Ending): void {
    const ended = ending.kind === 'done' ? ending.reason : ending.error.code;
    const details = { subscription: this.#field, ended, events: this.#sent, seconds: Math.round((Date.now() - this.#openedAt) / 1000) };
    if (ended === 'CHANGE_FEED_INTERRUPTED' || ended === 'CHANGE_FEED_UNAVAILABLE') this.#context.logger.warn(details, 'subscription ended');
    else this.#context.logger.info(details, 'subscription ended');
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Ends the iteration: a failure is thrown once, then the iterator is done. */
  #finish(): IteratorResult<SubscriptionEvent<CustomerView>, undefined> {
    const ending = this.#ending;
    this.#ending = { kind: 'done', reason: 'client gone' };
    if (ending?.kind === 'failed') throw ending.error;
    return { done: true, value: undefined };
  }
}
