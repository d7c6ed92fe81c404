import type { Bus } from './bus.port.js';

/**
 * A minimal typed event emitter for instrumentation. Listener exceptions are swallowed: watching
 * the bus must never break it. Tests wait on these events instead of sleeping.
 */
export class Instrumentation<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Registers a listener; returns the function that removes it. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  /** Resolves with the first payload of `event` that satisfies `predicate`. */
  waitFor<E extends keyof Events>(event: E, predicate: (payload: Events[E]) => boolean = () => true): Promise<Events[E]> {
    return new Promise((resolve) => {
      const off = this.on(event, (payload) => {
        if (!predicate(payload)) return;
        off();
        resolve(payload);
      });
    });
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[E]) => void)(payload);
      } catch {
        // instrumentation must not affect delivery
      }
    }
  }
}

/** What both bus adapters report. */
export interface BusEvents {
  /** A consumer group member received its partitions (Kafka) or started polling (embedded). */
  'group.join': { readonly groupId: string; readonly assignment: Readonly<Record<string, readonly number[]>> };
  /**
   * A batch was handled and its position recorded: committed with it (embedded log), or in the
   * group's next offset commit, at most `commitIntervalMs` later and at the latest on stop (Kafka).
   * `lastOffset` is the last handled message's offset.
   */
  'batch.committed': {
    readonly groupId: string;
    readonly topic: string;
    readonly partition: number;
    readonly count: number;
    readonly lastOffset: string;
  };
  /** `handleBatch` rejected; the same messages are delivered again (never skipped). */
  'batch.failed': {
    readonly groupId: string;
    readonly topic: string;
    readonly partition: number;
    readonly attempt: number;
    readonly error: unknown;
  };
  /** The subscription itself failed (database or broker error); it keeps retrying. */
  'consumer.failed': { readonly groupId: string; readonly error: unknown; readonly restart: boolean };
}

/** A bus whose delivery can be observed. Both adapters are one. */
export interface InstrumentedBus extends Bus {
  readonly events: Instrumentation<BusEvents>;
}

export type BusLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Where adapter logs go (the gateway routes it to pino). The default is silent. */
export type BusLogger = (level: BusLogLevel, message: string, extra: Record<string, unknown>) => void;

export const silentLogger: BusLogger = () => undefined;
