import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { upsertParty, type Em, type Orm } from '@tandem/core';
import { openTestOrm } from '../../../tests/support/database.js';
import type { Principal } from '../src/auth/principal.js';
import { startGateway } from './support.js';
import { SseSubscription } from './sse-client.js';

const anna: Principal = { subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' };

/** The gateway with its log lines captured (pino JSON, debug and up). */
describe('error answers and the log', () => {
  let orm: Orm;
  let close: () => Promise<void>;
  let api: Awaited<ReturnType<typeof startGateway>>;
  const lines: { level: number; msg: string; err?: { message: string }; [field: string]: unknown }[] = [];
  const errorLines = () => lines.filter((line) => line.level >= 50);

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm('sqlite'));
    await upsertParty(orm.em.fork() as Em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin' });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    api = await startGateway(orm, { logger: pino({ level: 'debug' }, sink), readiness: [] });
  });
  afterAll(async () => {
    await api.close();
    await close();
  });

  it("keeps the client's errors (bad token, unknown record) out of the error log, at debug with the reason", async () => {
    lines.length = 0;
    expect((await api.graphql('{ viewerParty { id } }', {}, 'not.a.token')).status).toBe(401);
    const missing = await api.graphql('{ customer(id: "019a0000-0000-7000-8000-000000000000") { id } }', {}, anna);
    expect(missing.body.data?.customer ?? null).toBeNull();
    expect(errorLines()).toEqual([]);
    expect(lines.some((line) => line.level === 20 && line.msg === 'domain error answered to the client' && line.err?.message === 'token is not a JWS in compact form')).toBe(true);
  });

  it("keeps a refused partner request (an export by a role that may not) out of the error log", async () => {
    lines.length = 0;
    const response = await fetch(`${api.url}/export/customers`, { headers: { authorization: `Bearer ${await api.tokens.issue(anna)}` } });
    expect(response.status).toBe(403);
    expect(errorLines()).toEqual([]);
    expect(lines.some((line) => line.level === 30 && line.msg === 'refused a partner request')).toBe(true);
  });

  it('logs one line when a subscription ends: which, why, how long and how many events', async () => {
    lines.length = 0;
    const token = await api.tokens.issue(anna);
    const subscription = await SseSubscription.open(api.url, 'subscription { customerChanged(id: "019a0000-0000-7000-8000-000000000000") { id } }', {}, { authorization: `Bearer ${token}` });
    subscription.close();
    await expect.poll(() => lines.find((line) => line.msg === 'subscription ended')).toMatchObject({ level: 30, subscription: 'customerChanged', ended: 'client gone', events: 0, party: 'dealer-berlin' });
    expect(errorLines()).toEqual([]);
  });

  it('logs an unexpected failure once at error level, with its cause, and answers "Unexpected error."', async () => {
    lines.length = 0;
    // The database goes away under the gateway: a driver error, not a domain error.
    await orm.em.getConnection().execute('alter table party rename to party_gone');
    try {
      const answer = await api.graphql('{ viewerParty { id } }', {}, anna);
      expect(answer.body.errors).toMatchObject([{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      expect(JSON.stringify(answer.body)).not.toContain('party_gone');
      expect(errorLines()).toHaveLength(1);
      expect(errorLines()[0]).toMatchObject({ msg: 'unexpected error in a GraphQL operation', err: { message: expect.stringContaining('party') } });
    } finally {
      await orm.em.getConnection().execute('alter table party_gone rename to party');
    }
  });
});
