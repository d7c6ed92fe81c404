import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverAudits, type AuditResult } from 'graphql-http';
import type { Orm } from '@tandem/core';
import { openTestOrm } from '../../../tests/support/database.js';
import { csrfHeader } from '../src/http/hardening/hardening.js';
import { startGateway } from './support.js';

/**
 * The GraphQL-over-HTTP audit suite against the running gateway with its default limits,
 * anonymous: its operations are `{ __typename }` and introspection, which need no credentials.
 * Development passes every audit, MAY included. In production four audits (one MUST, one SHOULD,
 * two MAY) send `__type(name:)`, which production refuses (introspection off); the rest pass.
 */
describe.each([
  { mode: 'development', production: false, refused: [] },
  { mode: 'production', production: true, refused: ['28B9', '2EA1', '6A70', 'D6D5'] },
])('GraphQL over HTTP (graphql-http audits), $mode', ({ production, refused }) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const results: AuditResult[] = [];

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm('sqlite'));
    // About 40 anonymous requests from one address: more than the per-IP budget allows in a minute.
    gateway = await startGateway(orm, { production, hardening: { rateLimits: { anonymous: [{ points: 1000, durationSeconds: 60 }] } } });
    // A non-browser client: it sends the CSRF header, which GETs need (see hardening.test.ts for browsers).
    const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set(csrfHeader, '1');
      return fetch(input, { ...init, headers });
    };
    for (const audit of serverAudits({ url: `${gateway.url}/graphql`, fetchFn })) results.push(await audit.fn());
  });
  afterAll(async () => {
    await gateway?.close();
    await close();
  });

  const failures = (level: 'MUST' | 'SHOULD') =>
    results
      .filter((result) => result.name.startsWith(level) && result.status !== 'ok' && !refused.includes(result.id))
      .map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`);

  it('passes every MUST audit', () => {
    expect(results.filter((result) => result.name.startsWith('MUST')).length).toBeGreaterThan(5);
    expect(failures('MUST')).toEqual([]);
  });

  it('passes every SHOULD audit', () => {
    expect(failures('SHOULD')).toEqual([]);
  });

  it('fails no other audit (MAY included) than those that need introspection where it is off', () => {
    expect(results.filter((result) => result.status !== 'ok').map((result) => result.id).sort()).toEqual([...refused].sort());
  });
});
