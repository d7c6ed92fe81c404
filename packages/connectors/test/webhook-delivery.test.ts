import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { topics } from '@tandem/schema';
import {
  ConsumerOffsetEntity,
  DeadLetterEntity,
  getWebhookEndpoint,
  listWebhookDeliveries,
  OutboxMessageEntity,
  registerWebhookEndpoint,
  upsertParty,
  WebhookDeliveryEntity,
  type Em,
  type Orm,
} from '@tandem/core';
import type { OutgoingMessage } from '../src/bus/bus.port.js';
import type { Instrumentation } from '../src/bus/bus-instrumentation.js';
import { EmbeddedLogBus } from '../src/embedded/embedded-log.bus.js';
import { verifyWebhookSignature } from '../src/webhooks/webhook-signature.js';
import { webhookConsumerGroup, WebhookDeliveryWorker, type WebhookDeliveryEvents, type WebhookDeliveryOptions } from '../src/webhooks/webhook-delivery.js';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

/** Resolves when `check` holds, re-evaluated whenever `onChange` fires; fails with `label` after `ms`. */
function until(onChange: (listener: () => void) => () => void, check: () => boolean, label: () => string, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${label()}`));
    }, ms);
    const off = onChange(() => {
      if (!check()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Every payload of one worker event, and a way to wait for enough of them. */
function record<E extends keyof WebhookDeliveryEvents>(events: Instrumentation<WebhookDeliveryEvents>, event: E) {
  const seen: WebhookDeliveryEvents[E][] = [];
  const listeners = new Set<() => void>();
  events.on(event, (payload) => {
    seen.push(payload);
    for (const listener of [...listeners]) listener();
  });
  return {
    seen,
    until: (check: (seen: WebhookDeliveryEvents[E][]) => boolean, label: string) =>
      until(
        (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        () => check(seen),
        () => `${label} (${event}: ${seen.length} so far)`,
      ),
  };
}

interface Envelope {
  readonly id: string;
  readonly key: string;
  readonly payload: { readonly customerId: string; readonly n: number };
}
interface Received {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  readonly envelope: Envelope;
  readonly status: number | 'hang';
}
type Reply = { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string } | 'hang';

/** A partner's webhook endpoint: a real HTTP server on loopback that records every request and answers as told. */
async function startPartner(reply: (request: { envelope: Envelope; index: number }) => Reply = () => ({ status: 200 }), port = 0) {
  const received: Received[] = [];
  const listeners = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const envelope = JSON.parse(raw.toString('utf8')) as Envelope;
      const answer = reply({ envelope, index: received.length });
      received.push({ at: Date.now(), headers: req.headers, raw, envelope, status: answer === 'hang' ? 'hang' : answer.status });
      for (const listener of [...listeners]) listener();
      if (answer === 'hang') return;
      res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}/tandem/events`,
    received,
    /** Event ids the partner answered 2xx, in arrival order. */
    delivered: () => received.filter((request) => typeof request.status === 'number' && request.status < 300).map((request) => request.envelope.id),
    until: (check: () => boolean, label: string) =>
      until(
        (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        check,
        () => `${label} (partner received ${received.length})`,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function freePort(): Promise<number> {
  const partner = await startPartner();
  await partner.close();
  return partner.port;
}

const fast: Omit<WebhookDeliveryOptions, 'orm' | 'bus'> = {
  timeoutMs: 2000,
  retry: { initialMs: 10, maxMs: 40 },
  failureThreshold: 1000,
  coolDownMs: 300,
  maxHoldMs: 10_000,
  refreshIntervalMs: 60_000,
};

describe.each(testDialects())('outbound webhook delivery on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let bus: EmbeddedLogBus;
  const fork = () => orm.em.fork() as Em;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    bus = new EmbeddedLogBus({ orm, pollIntervalMs: 5, retry: { initialMs: 5, maxMs: 50 } });
  });
  afterAll(async () => {
    await bus?.close();
    await close?.();
  });

  /** A party of its own with an outbound webhook at `url`, and its outbound secret. */
  async function partyWithWebhook(url: string): Promise<{ party: string; secret: string }> {
    const party = `partner-${randomBytes(4).toString('hex')}`;
    await upsertParty(fork(), { id: party, kind: 'dealer', name: party, country: 'DE', timeZone: 'Europe/Berlin' });
    const endpoint = await registerWebhookEndpoint(fork(), { party, outboundUrl: url });
    return { party, secret: endpoint.outboundSecret };
  }

  /** Outbound events for `party`: `count` per customer, interleaved, as the fan-out writes them. */
  function outbound(party: string, customers: readonly string[], count: number): OutgoingMessage[] {
    const messages: OutgoingMessage[] = [];
    for (let n = 0; n < count; n += 1) {
      for (const customerId of customers) {
        const id = uuidv7();
        const envelope = { id, type: 'customer.projected', version: 1, occurredAt: new Date().toISOString(), source: 'oem', key: customerId, payload: { customerId, n } };
        messages.push({ topic: topics.outbound(party), key: customerId, value: JSON.stringify(envelope), headers: { 'event-id': id } });
      }
    }
    return messages;
  }

  const idsOf = (messages: readonly OutgoingMessage[]) => messages.map((message) => message.headers!['event-id']!);

  async function run(party: string, options: Partial<WebhookDeliveryOptions>, body: (worker: WebhookDeliveryWorker) => Promise<void>): Promise<void> {
    const worker = new WebhookDeliveryWorker({ orm, bus, ...fast, ...options });
    try {
      await worker.start();
      await body(worker);
    } finally {
      await worker.stop();
      // Later tests' workers must not pick this party up again.
      await registerWebhookEndpoint(fork(), { party, enabled: false });
    }
  }

  async function log(party: string) {
    return fork().find(WebhookDeliveryEntity, { party }, { orderBy: { position: 'asc', attempt: 'asc' } });
  }

  async function committedPosition(party: string): Promise<number | undefined> {
    const row = await fork().findOne(ConsumerOffsetEntity, { groupId: webhookConsumerGroup(party), topic: topics.outbound(party) });
    return row?.position;
  }

  it('delivers every message once, in order, signed with the outbound secret, logging each attempt', async () => {
    const partner = await startPartner();
    const { party, secret } = await partyWithWebhook(partner.url);
    const messages = outbound(party, [uuidv7(), uuidv7()], 3);
    try {
      await run(party, {}, async () => {
        await bus.publish(messages);
        await partner.until(() => partner.delivered().length === messages.length, 'all messages');
      });
      expect(partner.delivered()).toEqual(idsOf(messages));
      for (const request of partner.received) {
        expect(() =>
          verifyWebhookSignature(
            { timestamp: request.headers['tandem-timestamp'] as string, signature: request.headers['tandem-signature'] as string, body: request.raw },
            [secret],
          ),
        ).not.toThrow();
        expect(request.headers['tandem-event-id']).toBe(request.envelope.id);
        expect(request.headers['tandem-delivery-attempt']).toBe('1');
        expect(request.headers['content-type']).toBe('application/json');
      }
      const rows = await log(party);
      expect(rows.map((row) => [row.eventId, row.attempt, row.outcome, row.statusCode])).toEqual(idsOf(messages).map((id) => [id, 1, 'delivered', 200]));
      expect(rows.every((row) => row.deliveredAt instanceof Date && row.failedAt === null && row.durationMs >= 0)).toBe(true);
      const positions = await fork().find(OutboxMessageEntity, { topic: topics.outbound(party) }, { orderBy: { position: 'asc' } });
      expect(rows.map((row) => row.position)).toEqual(positions.map((row) => row.position));

      // The log pages newest first.
      const pages: string[] = [];
      for (let after: string | undefined, hasNextPage = true; hasNextPage; ) {
        const page = await listWebhookDeliveries(fork(), { party, limit: 4, ...(after ? { after } : {}) });
        pages.push(...page.items.map((row) => row.eventId));
        ({ hasNextPage } = page);
        after = page.items.at(-1)?.id;
      }
      expect(pages).toEqual(idsOf(messages).reverse());
    } finally {
      await partner.close();
    }
  });

  it('retries while the partner answers 503 and, once it is back, delivers everything in order per customer; the log shows the failures', async () => {
    let down = true;
    const partner = await startPartner(() => (down ? { status: 503, body: 'maintenance' } : { status: 200 }));
    const { party } = await partyWithWebhook(partner.url);
    const customers = [uuidv7(), uuidv7(), uuidv7()];
    const messages = outbound(party, customers, 3);
    try {
      await run(party, {}, async (worker) => {
        const attempts = record(worker.events, 'delivery.attempted');
        await bus.publish(messages);
        await attempts.until((seen) => seen.filter((event) => event.outcome === 'retry').length >= 4, 'four failed attempts');
        // Nothing behind the first message was sent while it failed, and nothing was committed.
        expect(new Set(partner.received.map((request) => request.envelope.id))).toEqual(new Set([idsOf(messages)[0]]));
        const first = await fork().findOneOrFail(OutboxMessageEntity, { eventId: idsOf(messages)[0]! });
        expect(await committedPosition(party)).toBeLessThan(first.position);
        down = false;
        await partner.until(() => partner.delivered().length === messages.length, 'every message after recovery');
      });
      expect(partner.delivered()).toEqual(idsOf(messages));
      for (const customerId of customers) {
        const received = partner.received.filter((request) => request.status === 200 && request.envelope.key === customerId);
        expect(received.map((request) => request.envelope.payload.n)).toEqual([0, 1, 2]);
      }
      const rows = await log(party);
      const failed = rows.filter((row) => row.outcome === 'retry');
      expect(failed.length).toBeGreaterThanOrEqual(4);
      expect(failed.every((row) => row.eventId === idsOf(messages)[0] && row.statusCode === 503 && row.error === 'HTTP 503: maintenance')).toBe(true);
      expect(failed.every((row) => row.failedAt instanceof Date && row.nextAttemptAt! >= row.failedAt! && row.deliveredAt === null)).toBe(true);
      expect(failed.map((row) => row.attempt)).toEqual(failed.map((_, index) => index + 1));
      expect(rows.filter((row) => row.outcome === 'delivered').map((row) => row.eventId)).toEqual(idsOf(messages));
      expect(await committedPosition(party)).toBe(rows.at(-1)!.position);
    } finally {
      await partner.close();
    }
  });

  it('counts a refused connection and a timeout as failures, and delivers once the partner listens and answers', async () => {
    const port = await freePort();
    const { party } = await partyWithWebhook(`http://127.0.0.1:${port}/tandem/events`);
    const messages = outbound(party, [uuidv7()], 3);
    let partner: Awaited<ReturnType<typeof startPartner>> | undefined;
    try {
      await run(party, { timeoutMs: 300 }, async (worker) => {
        const attempts = record(worker.events, 'delivery.attempted');
        await bus.publish(messages);
        await attempts.until((seen) => seen.filter((event) => event.outcome === 'retry').length >= 2, 'two refused connections');
        expect(attempts.seen.every((event) => event.statusCode === null && /ECONNREFUSED/.test(event.error ?? ''))).toBe(true);
        // Back, but the first answer never comes: the attempt times out and is retried.
        partner = await startPartner(({ index }) => (index === 0 ? 'hang' : { status: 204 }), port);
        await partner.until(() => partner!.delivered().length === messages.length, 'every message');
        const timedOut = attempts.seen.find((event) => event.error?.startsWith('no response within'));
        expect(timedOut).toMatchObject({ outcome: 'retry', statusCode: null, error: 'no response within 300 ms', eventId: idsOf(messages)[0] });
      });
      expect(partner!.delivered()).toEqual(idsOf(messages));
    } finally {
      await partner?.close();
    }
  });

  it('waits as long as Retry-After says, in seconds and as an HTTP date', async () => {
    let dateTarget = 0;
    const partner = await startPartner(({ index }) => {
      if (index === 0) return { status: 429, headers: { 'retry-after': '1' } };
      if (index === 1) {
        const date = new Date(Date.now() + 2000).toUTCString();
        dateTarget = Date.parse(date);
        return { status: 503, headers: { 'retry-after': date } };
      }
      return { status: 200 };
    });
    const { party } = await partyWithWebhook(partner.url);
    const messages = outbound(party, [uuidv7()], 1);
    try {
      await run(party, {}, async () => {
        await bus.publish(messages);
        await partner.until(() => partner.delivered().length === 1, 'delivery after two Retry-After answers');
      });
      const [first, second, third] = partner.received;
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
      expect(third!.at).toBeGreaterThanOrEqual(dateTarget);
      const rows = await log(party);
      expect(rows.map((row) => [row.attempt, row.outcome, row.statusCode])).toEqual([
        [1, 'retry', 429],
        [2, 'retry', 503],
        [3, 'delivered', 200],
      ]);
      expect(rows[0]!.nextAttemptAt!.getTime() - rows[0]!.failedAt!.getTime()).toBeGreaterThanOrEqual(1000);
      expect(rows[1]!.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(dateTarget);
    } finally {
      await partner.close();
    }
  });

  it('opens the circuit after N failures in a row: nothing is sent or committed while open, then one probe at a time decides', async () => {
    const partner = await startPartner(({ index }) => (index < 4 ? { status: 503 } : { status: 200 }));
    const { party } = await partyWithWebhook(partner.url);
    const messages = outbound(party, [uuidv7(), uuidv7()], 2);
    try {
      await run(party, { failureThreshold: 3, coolDownMs: 400 }, async (worker) => {
        const opened = record(worker.events, 'circuit.opened');
        const probes = record(worker.events, 'circuit.probing');
        const closed = record(worker.events, 'circuit.closed');
        await bus.publish(messages);
        await opened.until((seen) => seen.length >= 1, 'the circuit to open');
        expect(opened.seen[0]).toMatchObject({ party, consecutiveFailures: 3 });
        expect(partner.received).toHaveLength(3);
        const first = await fork().findOneOrFail(OutboxMessageEntity, { eventId: idsOf(messages)[0]! });
        expect(await committedPosition(party)).toBeLessThan(first.position);
        expect(await getWebhookEndpoint(fork(), party)).toMatchObject({ consecutiveFailures: 3, openUntil: opened.seen[0]!.openUntil });

        await closed.until((seen) => seen.length === 1, 'the circuit to close');
        await partner.until(() => partner.delivered().length === messages.length, 'every message');
        // The first probe failed and re-opened the circuit; the second succeeded.
        expect(opened.seen.map((event) => event.consecutiveFailures)).toEqual([3, 4]);
        expect(probes.seen).toHaveLength(2);
        expect(partner.received[3]!.at).toBeGreaterThanOrEqual(opened.seen[0]!.openUntil.getTime());
        expect(partner.received[4]!.at).toBeGreaterThanOrEqual(opened.seen[1]!.openUntil.getTime());
      });
      expect(partner.received).toHaveLength(4 + messages.length);
      expect(partner.delivered()).toEqual(idsOf(messages));
      expect(await getWebhookEndpoint(fork(), party)).toMatchObject({ consecutiveFailures: 0, openUntil: null });
    } finally {
      await partner.close();
    }
  });

  it('dead-letters a message the partner refuses for good (4xx) and moves on; 408 is retried', async () => {
    const refusedCustomer = uuidv7();
    const slowCustomer = uuidv7();
    let timeouts = 0;
    const partner = await startPartner(({ envelope }) => {
      if (envelope.key === refusedCustomer) return { status: 422, body: '{"error":"unknown customer"}' };
      if (envelope.key === slowCustomer && timeouts++ === 0) return { status: 408 };
      return { status: 200 };
    });
    const { party } = await partyWithWebhook(partner.url);
    const [ok1] = outbound(party, [uuidv7()], 1);
    const [refused] = outbound(party, [refusedCustomer], 1);
    const [slow] = outbound(party, [slowCustomer], 1);
    const [ok2] = outbound(party, [uuidv7()], 1);
    const messages = [ok1!, refused!, slow!, ok2!];
    const [ok1Id, refusedId, slowId, ok2Id] = idsOf(messages);
    try {
      await run(party, {}, async () => {
        await bus.publish(messages);
        await partner.until(() => partner.delivered().includes(ok2Id!), 'the message after the refused one');
      });
      expect(partner.received.map((request) => [request.envelope.id, request.status])).toEqual([
        [ok1Id, 200],
        [refusedId, 422],
        [slowId, 408],
        [slowId, 200],
        [ok2Id, 200],
      ]);
      const position = (await fork().findOneOrFail(OutboxMessageEntity, { eventId: refusedId! })).position;
      const letters = await fork().find(DeadLetterEntity, { party, errorCode: 'WEBHOOK_REJECTED' });
      expect(letters).toHaveLength(1);
      expect(letters[0]!.source).toEqual({ kind: 'bus', topic: topics.outbound(party), partition: 0, offset: String(position) });
      expect(Buffer.from(letters[0]!.originalBytes).toString('utf8')).toBe(refused!.value);
      expect(letters[0]!.errorMessage).toContain('HTTP 422: {"error":"unknown customer"}');
      const rows = await log(party);
      expect(rows.filter((row) => row.eventId === refusedId).map((row) => [row.outcome, row.statusCode, row.deadLetterId])).toEqual([
        ['dead_lettered', 422, letters[0]!.id],
      ]);
      expect(rows.filter((row) => row.eventId === slowId).map((row) => [row.outcome, row.statusCode])).toEqual([
        ['retry', 408],
        ['delivered', 200],
      ]);
      expect(await committedPosition(party)).toBe(rows.at(-1)!.position);
    } finally {
      await partner.close();
    }
  });

  it('hands a batch back to the bus when the next attempt is beyond the hold, and never sends a delivered message twice', async () => {
    let refusals = 0;
    const partner = await startPartner(({ index }) => (index === 1 && refusals++ === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 }));
    const { party } = await partyWithWebhook(partner.url);
    const messages = outbound(party, [uuidv7()], 3);
    try {
      await run(party, { maxHoldMs: 100 }, async (worker) => {
        const postponed = record(worker.events, 'delivery.postponed');
        const failedBatches: number[] = [];
        const off = bus.events.on('batch.failed', (event) => {
          if (event.groupId === webhookConsumerGroup(party)) failedBatches.push(event.attempt);
        });
        await bus.publish(messages);
        await partner.until(() => partner.delivered().length === messages.length, 'every message');
        off();
        expect(postponed.seen.length).toBeGreaterThanOrEqual(1);
        expect(failedBatches.length).toBeGreaterThanOrEqual(1);
      });
      expect(partner.received.map((request) => request.envelope.id)).toEqual([...idsOf(messages).slice(0, 2), ...idsOf(messages).slice(1)]);
      expect(partner.delivered()).toEqual(idsOf(messages));
    } finally {
      await partner.close();
    }
  });

  it('loses nothing when the worker stops while the partner is down: the next worker delivers all, without repeats', async () => {
    let down = true;
    const partner = await startPartner(({ index }) => (index === 0 ? { status: 200 } : down ? { status: 500 } : { status: 200 }));
    const { party } = await partyWithWebhook(partner.url);
    const messages = outbound(party, [uuidv7(), uuidv7()], 2);
    await run(party, {}, async (worker) => {
      const attempts = record(worker.events, 'delivery.attempted');
      await bus.publish(messages);
      await attempts.until((seen) => seen.filter((event) => event.outcome === 'retry').length >= 2, 'failures after the first delivery');
    });
    try {
      expect(partner.delivered()).toEqual(idsOf(messages).slice(0, 1));
      down = false;
      await registerWebhookEndpoint(fork(), { party, enabled: true });
      await run(party, {}, async () => {
        await partner.until(() => partner.delivered().length === messages.length, 'the rest after a restart');
      });
      expect(partner.delivered()).toEqual(idsOf(messages));
      // The retry count carries over the restart.
      const rows = await log(party);
      const second = rows.filter((row) => row.eventId === idsOf(messages)[1]);
      expect(second.map((row) => row.attempt)).toEqual(second.map((_, index) => index + 1));
    } finally {
      await partner.close();
    }
  });
});
