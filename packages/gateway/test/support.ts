import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import type { Orm } from '@tandem/core';
import { createApp, type AppDependencies } from '../src/http/app.js';
import { TokenService } from '../src/auth/token.service.js';
import type { Principal } from '../src/auth/principal.js';

export const testSecret = 'test-secret-that-is-at-least-32-characters-long';

/** The gateway on a random loopback port, with a GraphQL client that signs in as any principal. */
export async function startGateway(orm: Orm, overrides: Partial<AppDependencies> = {}) {
  const tokens = await TokenService.create({ kind: 'secret', secret: testSecret }, 'tandem');
  const app = createApp({ orm, tokens, logger: pino({ level: 'silent' }), readiness: [{ name: 'database', check: () => orm.isConnected() }], ...overrides });
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
