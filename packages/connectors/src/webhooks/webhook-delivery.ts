import { validate as isUuid } from 'uuid';
import type { PartyId } from '@tandem/schema';
import { TandemError, topics } from '@tandem/schema';
import {
  claimCircuitProbe,
  deadLettersAtOffsets,
  deliveryProgress,
  findWebhookEndpoint,
  listDeliverableEndpoints,
  recordDeadLetter,
  recordDeliveryAttempt,
  recordEndpointFailure,
  recordEndpointSuccess,
  type DeliveryProgress,
  type Em,
  type Orm,
  type WebhookDeliveryOutcome,
} from '@tandem/core';
import type { Bus, ConsumedMessage, MessageBatch, Subscription } from '../bus/bus.port.js';
import { Instrumentation, silentLogger, type BusLogger } from '../bus/bus-instrumentation.js';
import { pause, type BackoffOptions } from '../bus/backoff.js';
import { signWebhook, webhookHeaders } from './webhook-signature.js';

/** What the delivery worker reports; every event is emitted after the log rows it describes are committed. */
export interface WebhookDeliveryEvents {
  /** One POST to a partner settled (response or error) and is in the delivery log. */
  'delivery.attempted': {
    readonly party: PartyId;
    readonly eventId: string;
    readonly partition: number;
    readonly position: string;
    readonly attempt: number;
    readonly outcome: WebhookDeliveryOutcome;
    readonly statusCode: number | null;
    readonly error: string | null;
    readonly nextAttemptAt: Date | null;
    readonly deadLetterId: string | null;
  };
  /** The batch went back to the bus uncommitted: the next attempt is further away than a batch is held. */
  'delivery.postponed': { readonly party: PartyId; readonly until: Date; readonly reason: string };
  /** The circuit opened (or re-opened after a failed probe): nothing is sent or consumed until `openUntil`. */
  'circuit.opened': { readonly party: PartyId; readonly consecutiveFailures: number; readonly openUntil: Date };
  /** Half-open: this worker sends the one probe. */
  'circuit.probing': { readonly party: PartyId };
  /** The partner answered again; delivery resumes. */
  'circuit.closed': { readonly party: PartyId };
  'endpoint.subscribed': { readonly party: PartyId };
  'endpoint.unsubscribed': { readonly party: PartyId };
  /** Reading the endpoints or subscribing failed; the next refresh tries again. */
  'worker.failed': { readonly party: PartyId | null; readonly error: unknown };
}

export interface WebhookDeliveryOptions {
  readonly orm: Orm;
  /** Outbound topics are consumed from it (`tandem.out.<party>.v1`, consumer group `webhook:<party>`). */
  readonly bus: Bus;
  /** Per-attempt timeout for the whole exchange (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Backoff between attempts at one message: exponential with full jitter (default 1 s doubling, capped at 5 min). */
  readonly retry?: BackoffOptions;
  /** Failed attempts in a row that open the circuit (default 5). */
  readonly failureThreshold?: number;
  /** How long an open circuit stays open before one probe is sent (default 60 s; longer when `Retry-After` says so). */
  readonly coolDownMs?: number;
  /** Longest `Retry-After` honoured (default 1 h). */
  readonly maxRetryAfterMs?: number;
  /**
   * Longest a consumed batch waits inside the handler for its next attempt (default 30 s). A later
   * attempt hands the batch back to the bus uncommitted; redelivered, its settled messages are skipped.
   */
  readonly maxHoldMs?: number;
  /** How often the endpoints are re-read to start and stop parties (default 30 s); `refresh()` does it at once. */
  readonly refreshIntervalMs?: number;
  /** A party's first subscription starts at the beginning of its outbound topic (default true: nothing queued is skipped). */
  readonly fromBeginning?: boolean;
  readonly logger?: BusLogger;
}

/** The endpoint as one delivery needs it. */
interface EndpointState {
  readonly url: string;
  readonly secret: string;
  readonly consecutiveFailures: number;
  readonly openUntil: Date | null;
}

type AttemptResult = {
  readonly kind: 'delivered' | 'retry' | 'permanent';
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly retryAfterMs: number | undefined;
  readonly attemptedAt: Date;
  readonly finishedAt: Date;
  readonly durationMs: number;
};

const excerptBytes = 500;

/** The consumer group of a party's webhook delivery. */
export function webhookConsumerGroup(party: PartyId): string {
  return `webhook:${party}`;
}

/**
 * Delivers every party's outbound events to its webhook: one consumer group per party with an
 * enabled endpoint and an outbound URL, messages POSTed one at a time in bus order (so each
 * customer's events arrive in order), signed like inbound webhooks with the party's outbound secret
 * (`Tandem-Timestamp`, `Tandem-Signature`, plus `Tandem-Event-Id` for the partner's dedupe).
 *
 * - 2xx: delivered. 408, 429, 5xx, redirects (never followed), network errors and timeouts: retried
 *   with exponential backoff and full jitter, never sooner than `Retry-After` (seconds or HTTP date).
 *   Other 4xx: the partner refuses this message; it goes to the dead letters and delivery moves on.
 * - Every attempt is written to the delivery log (`webhook_delivery`).
 * - Circuit breaker (state in `webhook_endpoint`, shared by all workers): after `failureThreshold`
 *   failures in a row it opens for `coolDownMs`; nothing is sent or consumed while it is open, then
 *   one probe decides. The bus offset is committed only after a whole batch is settled, so nothing
 *   is lost while a partner is down — its events wait on the bus.
 *
 * At-least-once: a crash between a partner's 2xx and the log write sends that event again.
 */
export class WebhookDeliveryWorker {
  readonly events = new Instrumentation<WebhookDeliveryEvents>();

  readonly #orm: Orm;
  readonly #bus: Bus;
  readonly #timeoutMs: number;
  readonly #retry: Required<BackoffOptions>;
  readonly #failureThreshold: number;
  readonly #coolDownMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #maxHoldMs: number;
  readonly #refreshIntervalMs: number;
  readonly #fromBeginning: boolean;
  readonly #logger: BusLogger;
  readonly #subscriptions = new Map<PartyId, Subscription>();
  #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> = Promise.resolve();
  #running = false;

  constructor(options: WebhookDeliveryOptions) {
    this.#orm = options.orm;
    this.#bus = options.bus;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retry = { initialMs: options.retry?.initialMs ?? 1000, maxMs: options.retry?.maxMs ?? 300_000 };
    this.#failureThreshold = Math.max(1, options.failureThreshold ?? 5);
    this.#coolDownMs = options.coolDownMs ?? 60_000;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 3_600_000;
    this.#maxHoldMs = options.maxHoldMs ?? 30_000;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? 30_000;
    this.#fromBeginning = options.fromBeginning ?? true;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Subscribes every deliverable party (resolves once done) and keeps the set current until `stop()`. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#refreshIntervalMs);
    this.#timer.unref();
  }

  /** Stops consuming: waits end at once, a POST in flight finishes (bounded by the timeout), unsettled batches stay uncommitted. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#timer);
    this.#abort.abort();
    await this.#refreshing;
    const subscriptions = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
  }

  /** Re-reads the endpoints now: subscribes new deliverable parties, stops those disabled or without URL. Never rejects. */
  refresh(): Promise<void> {
    this.#refreshing = this.#refreshing.then(() => this.#reconcile()).catch((error: unknown) => this.#failed(null, error));
    return this.#refreshing;
  }

  async #reconcile(): Promise<void> {
    if (!this.#running) return;
    let wanted: Set<PartyId>;
    try {
      wanted = new Set((await listDeliverableEndpoints(this.#em())).map((row) => row.party));
    } catch (error) {
      this.#failed(null, error);
      return;
    }
    for (const [party, subscription] of this.#subscriptions) {
      if (wanted.has(party)) continue;
      this.#subscriptions.delete(party);
      await subscription.stop();
      this.events.emit('endpoint.unsubscribed', { party });
    }
    for (const party of wanted) {
      if (this.#subscriptions.has(party) || !this.#running) continue;
      try {
        const subscription = await this.#bus.subscribe({
          groupId: webhookConsumerGroup(party),
          topics: [topics.outbound(party)],
          fromBeginning: this.#fromBeginning,
          handleBatch: (batch) => this.#handleBatch(party, batch),
        });
        if (!this.#running) {
          await subscription.stop();
          return;
        }
        this.#subscriptions.set(party, subscription);
        this.events.emit('endpoint.subscribed', { party });
      } catch (error) {
        this.#failed(party, error);
      }
    }
  }

  #failed(party: PartyId | null, error: unknown): void {
    this.events.emit('worker.failed', { party, error });
    this.#logger('error', 'webhook delivery could not refresh its endpoints; retrying at the next refresh', { party, error });
  }

  async #handleBatch(party: PartyId, batch: MessageBatch): Promise<void> {
    const holdUntil = Date.now() + this.#maxHoldMs;
    let endpoint = await this.#endpoint(party);
    const positions = batch.messages.map((message) => Number(message.offset));
    const progress = await deliveryProgress(this.#em(), party, batch.partition, positions);
    for (const message of batch.messages) {
      const past = progress.get(Number(message.offset));
      if (past?.settled) continue;
      endpoint = await this.#deliver(party, endpoint, message, past, holdUntil);
    }
  }

  /** Sends one message until it is delivered or dead-lettered; throws (batch uncommitted) when it must wait longer than the hold. */
  async #deliver(party: PartyId, endpoint: EndpointState, message: ConsumedMessage, past: DeliveryProgress | undefined, holdUntil: number): Promise<EndpointState> {
    const eventId = eventIdOf(message);
    if (!eventId) {
      await this.#keepUnidentified(party, message);
      return endpoint;
    }
    let current = endpoint;
    let attempt = past?.attempts ?? 0;
    let notBefore = past?.nextAttemptAt?.getTime() ?? 0;
    for (;;) {
      this.#throwIfStopping(party);
      const now = Date.now();
      const openUntil = current.openUntil?.getTime();
      if (openUntil !== undefined && openUntil > now) {
        await this.#waitUntil(party, openUntil, holdUntil, 'the circuit is open');
        current = await this.#endpoint(party);
        continue;
      }
      if (notBefore > now) {
        await this.#waitUntil(party, notBefore, holdUntil, 'the next attempt is due later');
        current = await this.#endpoint(party);
        continue;
      }
      let probing = false;
      if (openUntil !== undefined) {
        // Half-open: the cool-down has passed; exactly one worker gets to probe.
        probing = await claimCircuitProbe(this.#em(), party, { at: new Date(now), leaseUntil: new Date(now + this.#timeoutMs + 1000) });
        if (!probing) {
          current = await this.#endpoint(party);
          continue;
        }
        this.events.emit('circuit.probing', { party });
      }
      attempt += 1;
      const result = await this.#post(current, message, eventId, attempt);
      const wasFailing = probing || current.consecutiveFailures > 0 || current.openUntil !== null;
      if (result.kind === 'retry') {
        const next = await this.#recordRetry(party, message, eventId, attempt, result);
        notBefore = next.nextAttemptAt.getTime();
        current = { ...current, consecutiveFailures: next.consecutiveFailures, openUntil: next.openUntil };
        continue;
      }
      await this.#recordSettled(party, message, eventId, attempt, result, wasFailing);
      return { ...current, consecutiveFailures: 0, openUntil: null };
    }
  }

  async #post(endpoint: EndpointState, message: ConsumedMessage, eventId: string, attempt: number): Promise<AttemptResult> {
    const attemptedAt = new Date();
    const started = performance.now();
    const done = (kind: AttemptResult['kind'], statusCode: number | null, error: string | null, retryAfterMs?: number): AttemptResult => ({
      kind,
      statusCode,
      error,
      retryAfterMs,
      attemptedAt,
      finishedAt: new Date(),
      durationMs: performance.now() - started,
    });
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tandem-Webhooks/1',
          ...signWebhook([endpoint.secret], message.value),
          [webhookHeaders.eventId]: eventId,
          [webhookHeaders.attempt]: String(attempt),
        },
        // A copy: fetch takes an ArrayBuffer-backed view, consumed bytes may sit in a shared buffer.
        body: new Uint8Array(message.value),
        // A redirect could carry signed customer data to another host; it counts as a failure instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const status = response.status;
      if (status >= 200 && status < 300) {
        await response.body?.cancel().catch(() => undefined);
        return done('delivered', status, null);
      }
      const excerpt = await readExcerpt(response);
      const error = `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
      if (!isRetriableStatus(status)) return done('permanent', status, error);
      return done('retry', status, error, parseRetryAfter(response.headers.get('retry-after'), Date.now(), this.#maxRetryAfterMs));
    } catch (error) {
      return done('retry', null, describeFetchError(error, this.#timeoutMs));
    }
  }

  async #recordRetry(party: PartyId, message: ConsumedMessage, eventId: string, attempt: number, result: AttemptResult) {
    const finished = result.finishedAt.getTime();
    const retryAfter = result.retryAfterMs ?? 0;
    let nextAttemptAt = finished + Math.max(fullJitterDelay(attempt, this.#retry), retryAfter);
    const state = await this.#em().transactional(async (tx) => {
      const circuit = await recordEndpointFailure(tx as Em, party, {
        threshold: this.#failureThreshold,
        openUntil: new Date(finished + Math.max(this.#coolDownMs, retryAfter)),
        at: result.finishedAt,
      });
      if (circuit.openUntil && circuit.openUntil.getTime() > nextAttemptAt) nextAttemptAt = circuit.openUntil.getTime();
      recordDeliveryAttempt(tx as Em, { ...this.#attemptFacts(party, message, eventId, attempt, result, 'retry'), nextAttemptAt: new Date(nextAttemptAt) });
      return circuit;
    });
    this.#attempted(party, message, eventId, attempt, result, 'retry', new Date(nextAttemptAt), null);
    this.#logger('warn', 'webhook delivery failed; retrying', { party, eventId, attempt, statusCode: result.statusCode, error: result.error, nextAttemptAt: new Date(nextAttemptAt) });
    if (state.consecutiveFailures >= this.#failureThreshold && state.openUntil) {
      this.events.emit('circuit.opened', { party, consecutiveFailures: state.consecutiveFailures, openUntil: state.openUntil });
      this.#logger('warn', 'webhook circuit opened: the partner is not answering', { party, consecutiveFailures: state.consecutiveFailures, openUntil: state.openUntil });
    }
    return { nextAttemptAt: new Date(nextAttemptAt), consecutiveFailures: state.consecutiveFailures, openUntil: state.openUntil };
  }

  /** Delivered, or refused for good (dead letter); either way the partner answered, so the circuit closes. */
  async #recordSettled(party: PartyId, message: ConsumedMessage, eventId: string, attempt: number, result: AttemptResult, wasFailing: boolean): Promise<void> {
    const outcome: WebhookDeliveryOutcome = result.kind === 'delivered' ? 'delivered' : 'dead_lettered';
    const deadLetterId = await this.#em().transactional(async (tx) => {
      const em = tx as Em;
      const letter =
        outcome === 'dead_lettered'
          ? recordDeadLetter(
              em,
              {
                source: { kind: 'bus', topic: message.topic, partition: message.partition, offset: message.offset },
                // The recipient: its webhook refused the message, and its dead letters are where it is looked for.
                party,
                originalBytes: message.value,
                errorCode: 'WEBHOOK_REJECTED',
                errorMessage: `${party}'s webhook refused event ${eventId}: ${result.error ?? 'no reason given'}`,
                issues: [],
              },
              result.finishedAt,
            )
          : undefined;
      recordDeliveryAttempt(em, { ...this.#attemptFacts(party, message, eventId, attempt, result, outcome), deadLetterId: letter?.id ?? null });
      if (wasFailing) await recordEndpointSuccess(em, party, result.finishedAt);
      return letter?.id ?? null;
    });
    this.#attempted(party, message, eventId, attempt, result, outcome, null, deadLetterId);
    if (deadLetterId) this.#logger('warn', 'webhook refused an event; it was dead-lettered', { party, eventId, statusCode: result.statusCode, deadLetterId });
    if (wasFailing) this.events.emit('circuit.closed', { party });
  }

  #attemptFacts(party: PartyId, message: ConsumedMessage, eventId: string, attempt: number, result: AttemptResult, outcome: WebhookDeliveryOutcome) {
    return {
      party,
      partition: message.partition,
      position: Number(message.offset),
      eventId,
      attempt,
      outcome,
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
      attemptedAt: result.attemptedAt,
      finishedAt: result.finishedAt,
    };
  }

  #attempted(
    party: PartyId,
    message: ConsumedMessage,
    eventId: string,
    attempt: number,
    result: AttemptResult,
    outcome: WebhookDeliveryOutcome,
    nextAttemptAt: Date | null,
    deadLetterId: string | null,
  ): void {
    this.events.emit('delivery.attempted', {
      party,
      eventId,
      partition: message.partition,
      position: message.offset,
      attempt,
      outcome,
      statusCode: result.statusCode,
      error: result.error,
      nextAttemptAt,
      deadLetterId,
    });
  }

  /** A message with no event id cannot be delivered idempotently: kept as a dead letter (once per position). */
  async #keepUnidentified(party: PartyId, message: ConsumedMessage): Promise<void> {
    await this.#em().transactional(async (tx) => {
      const em = tx as Em;
      const kept = await deadLettersAtOffsets(em, { party, topic: message.topic, partition: message.partition }, [message.offset]);
      if (kept.size > 0) return;
      recordDeadLetter(em, {
        source: { kind: 'bus', topic: message.topic, partition: message.partition, offset: message.offset },
        party,
        originalBytes: message.value,
        errorCode: 'NOT_AN_EVENT',
        errorMessage: 'The message has no event id (envelope id or event-id header), so it cannot be delivered idempotently',
        issues: [],
      });
    });
  }

  /** The party's endpoint, fresh from the database; a disabled one (or one without URL) hands the batch back. */
  async #endpoint(party: PartyId): Promise<EndpointState> {
    const row = await findWebhookEndpoint(this.#em(), party);
    if (!row || !row.enabled || !row.outboundUrl) {
      throw this.#postponed(party, new Date(Date.now() + this.#refreshIntervalMs), 'the endpoint is disabled or has no outbound URL');
    }
    return { url: row.outboundUrl, secret: row.outboundSecret, consecutiveFailures: row.consecutiveFailures, openUntil: row.openUntil ?? null };
  }

  async #waitUntil(party: PartyId, until: number, holdUntil: number, reason: string): Promise<void> {
    if (until > holdUntil) throw this.#postponed(party, new Date(until), reason);
    await pause(until - Date.now(), this.#abort.signal);
    this.#throwIfStopping(party);
  }

  #throwIfStopping(party: PartyId): void {
    if (this.#abort.signal.aborted) throw this.#postponed(party, new Date(), 'the worker is stopping');
  }

  #postponed(party: PartyId, until: Date, reason: string): TandemError {
    this.events.emit('delivery.postponed', { party, until, reason });
    return new TandemError('UNAVAILABLE', 'WEBHOOK_DELIVERY_POSTPONED', `Delivery to ${party} waits until ${until.toISOString()}: ${reason}; the batch stays uncommitted`, {
      retriable: true,
    });
  }

  #em(): Em {
    return this.#orm.em.fork() as Em;
  }
}

/** 408, 429, 5xx and 3xx (redirects are not followed) may succeed later; other 4xx will not. */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500 || (status >= 300 && status < 400);
}

/** Exponential backoff with full jitter: uniform in [0, min(max, initial · 2^(attempt-1))). `attempt` starts at 1. */
export function fullJitterDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 300_000;
  return Math.floor(Math.random() * Math.min(max, initial * 2 ** Math.max(0, attempt - 1)));
}

/** `Retry-After` as a delay in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3), capped at `maxMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number, maxMs = 3_600_000): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let delay: number;
  if (/^\d+$/.test(text)) {
    delay = Number(text) * 1000;
  } else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    delay = at - now;
  }
  return Math.min(Math.max(0, delay), maxMs);
}

/** The envelope id (what the partner sees in the body), else the `event-id` header. */
function eventIdOf(message: ConsumedMessage): string | undefined {
  try {
    const id: unknown = (JSON.parse(new TextDecoder().decode(message.value)) as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && isUuid(id)) return id;
  } catch {
    // not JSON: fall back to the header
  }
  const header = message.headers['event-id'];
  return header && isUuid(header) ? header : undefined;
}

async function readExcerpt(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < excerptBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // the reason is a courtesy; the status decides
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks)).replace(/\s+/g, ' ').trim();
  return text.length > excerptBytes ? `${text.slice(0, excerptBytes)}…` : text;
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no response within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
