import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { topics } from '@tandem/schema';
import {
  ContactPointEntity,
  DeadLetterEntity,
  DeterministicIdentityResolver,
  grantSharing,
  InboxEntryEntity,
  OutboxMessageEntity,
  registerWebhookEndpoint,
  rotateInboundSecret,
  SourceRecordEntity,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import {
  createIngestHandler,
  EmbeddedLogBus,
  signWebhook,
  SyncInstrumentation,
  verifyWebhookSignature,
  WebhookDeliveryWorker,
  type Subscription,
} from '@tandem/connectors';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { startGateway } from './support.js';

function envelope(source: string, type: string, payload: unknown, id: string = uuidv7()) {
  return { id, type, version: 1, occurredAt: '2026-05-04T09:30:00+02:00', source, key: `${source}:${(payload as { externalId?: string }).externalId ?? type}`, payload };
}

function contact(source: string, externalId: string, phone = '0151 23456789') {
  return envelope(source, 'contact.upserted', { externalId, givenName: 'Jürgen', familyName: 'Weiß', phones: [{ value: phone, label: 'mobile' }] });
}

interface PostOptions {
  readonly secrets?: readonly string[];
  readonly timestamp?: number;
  /** Replaces the signature headers entirely (to leave them out or break them). */
  readonly headers?: Record<string, string>;
}

describe.each(testDialects())('inbound webhooks on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let bus: EmbeddedLogBus;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let ingest: Subscription;
  let dealerSecret: string;
  const events = new SyncInstrumentation();
  const fork = () => orm.em.fork() as Em;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = fork();
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Spree GmbH', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-riga', kind: 'dealer', name: 'Auto Rīga SIA', country: 'LV', timeZone: 'Europe/Riga' });
    await grantSharing(em, { grantor: 'dealer-berlin', grantee: 'oem', dataClasses: ['identity', 'contact'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
    dealerSecret = (await registerWebhookEndpoint(em, { party: 'dealer-berlin' })).inboundSecret;
    await registerWebhookEndpoint(em, { party: 'dealer-riga', enabled: false });
    bus = new EmbeddedLogBus({ orm, pollIntervalMs: 5, retry: { initialMs: 5, maxMs: 50 } });
    ingest = await bus.subscribe({
      groupId: 'ingest',
      topics: [topics.inbound('dealer-berlin'), topics.inbound('dealer-riga')],
      handleBatch: createIngestHandler({ orm, resolver: new DeterministicIdentityResolver(), consumer: 'ingest', events }),
    });
    gateway = await startGateway(orm, { bus });
  });
  afterAll(async () => {
    await gateway?.close();
    await ingest?.stop();
    await bus?.close();
    await close?.();
  });

  async function post(path: string, body: unknown, options: PostOptions = {}) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const signed = options.headers ?? signWebhook(options.secrets ?? [dealerSecret], raw, options.timestamp);
    const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body: raw });
    const text = await response.text();
    return { status: response.status, requestId: response.headers.get('x-request-id'), body: text ? (JSON.parse(text) as any) : undefined };
  }

  /** Row counts of what an accepted or refused request could write. */
  async function stored() {
    const em = fork();
    const [outbox, deadLetters, inbox] = await Promise.all([em.count(OutboxMessageEntity, {}), em.count(DeadLetterEntity, {}), em.count(InboxEntryEntity, {})]);
    return { outbox, deadLetters, inbox };
  }

  /** Resolves when the pipeline has committed the batch holding the last of `eventIds`. */
  async function applied(eventIds: readonly string[]): Promise<void> {
    const rows = await fork().find(OutboxMessageEntity, { eventId: { $in: [...eventIds] }, topic: { $like: 'tandem.in.%' } }, { orderBy: { position: 'desc' } });
    const last = String(rows[0]!.position);
    await new Promise<void>((resolve) => {
      const off = events.on('batch.committed', (event) => {
        if (Number(event.lastOffset) >= Number(last)) {
          off();
          resolve();
        }
      });
      // Already committed before we listened?
      void fork()
        .count(InboxEntryEntity, { consumer: 'ingest', eventId: { $in: [...eventIds] } })
        .then((count) => {
          if (count === new Set(eventIds).size) {
            off();
            resolve();
          }
        });
    });
  }

  it('refuses missing, malformed, wrong and stale signatures with 401 and stores nothing', async () => {
    const before = await stored();
    const body = contact('dealer-berlin', 'B-401');
    const raw = JSON.stringify(body);
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Promise<{ status: number; body: any }>][] = [
      ['MISSING_SIGNATURE', post('/webhooks/dealer-berlin/events', body, { headers: {} })],
      ['MISSING_SIGNATURE', post('/webhooks/dealer-berlin/events', body, { headers: { 'Tandem-Timestamp': String(now) } })],
      ['MALFORMED_SIGNATURE', post('/webhooks/dealer-berlin/events', body, { headers: { 'Tandem-Timestamp': String(now), 'Tandem-Signature': 'sha256=abc' } })],
      ['INVALID_SIGNATURE', post('/webhooks/dealer-berlin/events', body, { secrets: ['whsec_not-the-secret-of-dealer-berlin-at-all'] })],
      ['INVALID_SIGNATURE', post('/webhooks/dealer-berlin/events', body, { headers: { ...signWebhook([dealerSecret], `${raw} `) } })],
      // Well outside the 5-minute window (the exact edge is unit-tested with a fixed clock).
      // Well outside the 5-minute window: the exact edge is unit-tested with a fixed clock.
      ['STALE_TIMESTAMP', post('/webhooks/dealer-berlin/events', body, { timestamp: now - 330 })],
      ['STALE_TIMESTAMP', post('/webhooks/dealer-berlin/events', body, { timestamp: now + 330 })],
      // Unknown party, party without endpoint, disabled endpoint: the same answer as a wrong signature.
      ['INVALID_SIGNATURE', post('/webhooks/nobody/events', body)],
      ['INVALID_SIGNATURE', post('/webhooks/oem/events', envelope('oem', 'contact.deleted', { externalId: 'X' }))],
      ['INVALID_SIGNATURE', post('/webhooks/dealer-riga/events', contact('dealer-riga', 'R-1'))],
    ];
    for (const [code, request] of cases) {
      const response = await request;
      expect(response.status, code).toBe(401);
      expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
    }
    expect(await stored()).toEqual(before);
  });

  it('accepts a signed event: durable on the inbound topic before 202, then applied by the pipeline', async () => {
    const event = contact('dealer-berlin', 'B-100');
    const response = await post('/webhooks/dealer-berlin/events', event);
    expect(response).toMatchObject({ status: 202, body: { accepted: [event.id] } });
    const row = await fork().findOneOrFail(OutboxMessageEntity, { eventId: event.id });
    expect(row).toMatchObject({ topic: topics.inbound('dealer-berlin'), key: 'dealer-berlin:B-100' });
    expect(JSON.parse(row.payload)).toEqual(event);

    await applied([event.id]);
    const link = await fork().findOneOrFail(SourceRecordEntity, { party: 'dealer-berlin', externalId: 'B-100' });
    // The national number was read in the dealer's country (DE).
    expect(await fork().count(ContactPointEntity, { customer: link.customer, type: 'phone', value: '+4915123456789' })).toBe(1);
  });

  it('takes a batch in order, and the same event id twice is accepted and applied once', async () => {
    const first = contact('dealer-berlin', 'B-200');
    const second = envelope('dealer-berlin', 'activity.recorded', {
      externalId: 'B-ACT-200',
      customerExternalId: 'B-200',
      channel: 'walk_in',
      direction: 'inbound',
      occurredAt: '2026-05-04T09:00:00+02:00',
      subject: 'Test drive',
    });
    const response = await post('/webhooks/dealer-berlin/events', { events: [first, second] });
    expect(response).toMatchObject({ status: 202, body: { accepted: [first.id, second.id] } });
    await applied([first.id, second.id]);
    const positions = await fork().find(OutboxMessageEntity, { eventId: { $in: [first.id, second.id] } }, { orderBy: { position: 'asc' } });
    expect(positions.map((row) => row.eventId)).toEqual([first.id, second.id]);

    const duplicate = events.waitFor('message.skipped-duplicate', (event) => event.eventId === second.id);
    const again = await post('/webhooks/dealer-berlin/events', { events: [second] });
    expect(again).toMatchObject({ status: 202, body: { accepted: [second.id] } });
    expect(await fork().count(OutboxMessageEntity, { eventId: second.id })).toBe(2);
    expect(await duplicate).toMatchObject({ consumer: 'ingest', eventId: second.id, topic: topics.inbound('dealer-berlin') });
    expect(await fork().count(InboxEntryEntity, { consumer: 'ingest', eventId: second.id })).toBe(1);
  });

  it('refuses a batch with any invalid event as a whole: 400 names every bad field by index, nothing is published, the body is kept as a dead letter', async () => {
    const before = await stored();
    const events = [
      contact('dealer-berlin', 'B-300'),
      contact('dealer-berlin', 'B-301', '12'),
      contact('oem', 'B-302'),
      envelope('dealer-berlin', 'contact.teleported', { externalId: 'B-303' }),
      { ...contact('dealer-berlin', 'B-304'), id: 'not-a-uuid' },
      'not an envelope',
    ];
    const raw = JSON.stringify({ events });
    const response = await post('/webhooks/dealer-berlin/events', raw);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_EVENTS');
    expect(response.body.error.issues.map((issue: { path: string }) => issue.path)).toEqual([
      'events.1.payload.phones.0.value',
      'events.2.source',
      'events.3.type',
      'events.4.id',
      'events.5',
    ]);
    expect(response.body.error.message).toContain('events.2.source: is oem, but the request was signed by dealer-berlin');

    const after = await stored();
    expect(after).toEqual({ ...before, deadLetters: before.deadLetters + 1 });
    const letter = await fork().findOneOrFail(DeadLetterEntity, { party: 'dealer-berlin', errorCode: 'INVALID_EVENTS' }, { orderBy: { createdAt: 'desc' } });
    expect(letter.source).toEqual({ kind: 'webhook', party: 'dealer-berlin', requestId: response.requestId });
    expect(Buffer.from(letter.originalBytes).toString('utf8')).toBe(raw);
    expect(letter.issues).toHaveLength(5);
  });

  it('refuses bodies that are not JSON, too many events or too large', async () => {
    expect(await post('/webhooks/dealer-berlin/events', '{"events": [')).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
    expect(await post('/webhooks/dealer-berlin/events', { events: [] })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_BODY' } } });
    const many = Array.from({ length: 501 }, (_, index) => envelope('dealer-berlin', 'contact.deleted', { externalId: `D-${index}` }));
    expect(await post('/webhooks/dealer-berlin/events', { events: many })).toMatchObject({
      status: 400,
      body: { error: { code: 'TOO_MANY_EVENTS', issues: [{ path: 'events', message: 'holds 501 events; at most 500 per request' }] } },
    });
    const before = await stored();
    const huge = { ...contact('dealer-berlin', 'B-HUGE'), padding: 'x'.repeat(1024 * 1024) };
    expect(await post('/webhooks/dealer-berlin/events', huge)).toMatchObject({ status: 413, body: { error: { code: 'BODY_TOO_LARGE' } } });
    expect(await stored()).toEqual(before);
  });

  it('accepts the previous secret during its grace after a rotation, and either of two signatures', async () => {
    await upsertParty(fork(), { id: 'dealer-hamburg', kind: 'dealer', name: 'Autohaus Elbe', country: 'DE', timeZone: 'Europe/Berlin' });
    const old = (await registerWebhookEndpoint(fork(), { party: 'dealer-hamburg' })).inboundSecret;
    const rotated = (await rotateInboundSecret(fork(), 'dealer-hamburg', { graceMs: 60 * 60 * 1000 })).inboundSecret;
    const path = '/webhooks/dealer-hamburg/events';
    const deletion = () => envelope('dealer-hamburg', 'contact.deleted', { externalId: 'H-1' });
    expect((await post(path, deletion(), { secrets: [old] })).status).toBe(202);
    expect((await post(path, deletion(), { secrets: [rotated] })).status).toBe(202);
    expect((await post(path, deletion(), { secrets: ['whsec_unrelated-secret-0123456789abcdefgh', rotated] })).status).toBe(202);

    const next = (await rotateInboundSecret(fork(), 'dealer-hamburg', { graceMs: 0 })).inboundSecret;
    expect(await post(path, deletion(), { secrets: [rotated] })).toMatchObject({ status: 401, body: { error: { code: 'INVALID_SIGNATURE' } } });
    expect(await post(path, deletion(), { secrets: [old] })).toMatchObject({ status: 401 });
    expect((await post(path, deletion(), { secrets: [rotated, next] })).status).toBe(202);
  });

  it("delivers what a dealer sent by webhook to the manufacturer's webhook, signed, through the pipeline and the fan-out", async () => {
    const received: { headers: IncomingHttpHeaders; raw: Buffer }[] = [];
    let notify: () => void = () => undefined;
    const partner = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.writeHead(204).end();
        notify();
      });
    });
    await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
    const { outboundSecret } = await registerWebhookEndpoint(fork(), { party: 'oem', outboundUrl: `http://127.0.0.1:${(partner.address() as AddressInfo).port}/hooks` });
    const worker = new WebhookDeliveryWorker({ orm, bus, retry: { initialMs: 10, maxMs: 50 } });
    try {
      await worker.start();
      const event = contact('dealer-berlin', 'B-E2E', '030 12345678');
      expect((await post('/webhooks/dealer-berlin/events', event)).status).toBe(202);
      const link = async () => (await fork().findOne(SourceRecordEntity, { party: 'dealer-berlin', externalId: 'B-E2E' }))?.customer;
      const projected = () => received.map((request) => JSON.parse(request.raw.toString('utf8'))).filter((body) => body.type === 'customer.projected' && body.payload.contact?.phones?.some((phone: { value: string }) => phone.value === '+493012345678'));
      await new Promise<void>((resolve) => {
        notify = () => {
          if (projected().length > 0) resolve();
        };
        notify();
      });
      const [body] = projected();
      expect(body).toMatchObject({ source: 'dealer-berlin', key: await link(), payload: { customerId: await link(), identity: { givenName: 'Jürgen', familyName: 'Weiß' } } });
      const request = received.find((candidate) => JSON.parse(candidate.raw.toString('utf8')).id === body.id)!;
      expect(request.headers['tandem-event-id']).toBe(body.id);
      expect(() =>
        verifyWebhookSignature({ timestamp: request.headers['tandem-timestamp'] as string, signature: request.headers['tandem-signature'] as string, body: request.raw }, [outboundSecret]),
      ).not.toThrow();
    } finally {
      await worker.stop();
      partner.closeAllConnections();
      await new Promise<void>((resolve) => partner.close(() => resolve()));
    }
  });
});
