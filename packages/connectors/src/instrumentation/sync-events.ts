import { Instrumentation } from '../bus/bus-instrumentation.js';

/** Where a consumed message sat: enough to find it again on the bus. */
export interface MessagePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * What the sync engine reports. Every event is emitted after the transaction it describes has
 * committed, so a listener may read the database and see its effect.
 */
export interface SyncEvents {
  /**
   * A batch was taken completely: applied, skipped as duplicates or dead-lettered. `count` is the
   * number of messages in the batch; `lastOffset` the last one's offset.
   */
  'batch.committed': {
    readonly topic: string;
    readonly partition: number;
    readonly count: number;
    readonly lastOffset: string;
    readonly applied: number;
    readonly duplicates: number;
    readonly deadLettered: number;
    /** True when the batch transaction failed and the messages were applied one transaction each. */
    readonly split: boolean;
  };
  /** A message could not be decoded or applied and was kept in the dead letters. */
  'message.dead-lettered': MessagePosition & { readonly deadLetterId: string; readonly code: string; readonly party: string | null };
  /** A message whose event id this consumer had already applied (a redelivery); nothing changed. */
  'message.skipped-duplicate': MessagePosition & { readonly consumer: string; readonly eventId: string };
  /** Committed changes could not be announced to live readers (GraphQL subscriptions); they read the current state when they next ask. */
  'customers.unannounced': { readonly error: unknown };
  /** The one-transaction batch failed; its messages are retried one transaction each. */
  'batch.split': { readonly topic: string; readonly partition: number; readonly count: number; readonly error: unknown };
}

/** The sync engine's typed event emitter; tests wait on it instead of sleeping. */
export class SyncInstrumentation extends Instrumentation<SyncEvents> {}
