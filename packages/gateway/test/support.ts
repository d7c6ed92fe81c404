import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { CustomerChangeFeed, grantSharing, upsertParty, type Em, type Orm } from '@tandem/core';
import { createApp, type AppDependencies } from '../src/http/app.js';
import { TokenService } from '../src/auth/token.service.js';
import type { Principal } from '../src/auth/principal.js';

export const testSecret = 'test-secret-that-is-at-least-32-characters-long';

/** The gateway on a random loopback port, with a GraphQL client that signs in as any principal. */
export async function startGateway(orm: Orm, overrides: Partial<AppDependencies> = {}) {
  const tokens = await TokenService.create({ kind: 'secret', secret: testSecret }, 'tandem');
  const customerChanges = new CustomerChangeFeed(orm);
  const app = createApp({ orm, tokens, logger: pino({ level: 'silent' }), readiness: [{ name: 'database', check: () => orm.isConnected() }], customerChanges, ...overrides });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tokens,
    async graphql(query: string, variables: Record<string, unknown> = {}, as?: Principal | string) {
      const token = typeof as === 'string' ? as : as ? await tokens.issue(as) : undefined;
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
    },
    /** Ends open subscriptions (as a shutdown does), then stops the server. */
    async close() {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      await customerChanges.close();
      await drained;
    },
  };
}

/** Every data class, for agreements that grant all of them. */
export const allDataClasses = ['identity', 'contact', 'vehicles', 'activities', 'content', 'consent', 'tasks'] as const;

/**
 * The parties the access tests share: an OEM, an insurer, three dealers and an interaction center
 * serving the OEM and the insurer; the Berlin dealer shares everything with the insurer, the OEM
 * with the center, and Berlin's agreement with `dealer-expired` ended in 2021.
 */
export async function registerPartnerWorld(em: Em): Promise<void> {
  const party = (id: string, kind: 'manufacturer' | 'dealer' | 'interaction_center' | 'agency', clients: string[] = []) =>
    upsertParty(em, { id, kind, name: `Party ${id}`, country: 'DE', timeZone: 'Europe/Berlin', clients });
  await party('oem', 'manufacturer');
  await party('insurer', 'agency');
  await party('dealer-berlin', 'dealer');
  await party('dealer-hamburg', 'dealer');
  await party('dealer-expired', 'dealer');
  await party('ic-nordic', 'interaction_center', ['oem', 'insurer']);
  const since = '2020-01-01T00:00:00Z';
  await grantSharing(em, { grantor: 'dealer-berlin', grantee: 'insurer', dataClasses: [...allDataClasses], purpose: 'customer_care', validFrom: since });
  await grantSharing(em, { grantor: 'oem', grantee: 'ic-nordic', dataClasses: [...allDataClasses], purpose: 'customer_care', validFrom: since });
  await grantSharing(em, { grantor: 'dealer-berlin', grantee: 'dealer-expired', dataClasses: [...allDataClasses], purpose: 'service', validFrom: since, validUntil: '2021-01-01T00:00:00Z' });
}
