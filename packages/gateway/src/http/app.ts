import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { createYoga } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { AccessAuditor, AccessTrail, CustomerChangeFeed, Orm } from '@tandem/core';
import type { Bus } from '@tandem/connectors';
import type { TokenService } from '../auth/token.service.js';
import { authenticate } from '../auth/authenticate.js';
import { schema, subgraphSchema } from '../graphql/schema.js';
import { createGraphQLContext, type GraphQLContext } from '../graphql/context.js';
import { maskError, yogaLogger } from '../graphql/errors.js';
import { useAccessAudit } from '../graphql/access-audit.plugin.js';
import { useStreamsCloseTheirConnection, useSubscriptionEvents } from '../graphql/subscription-events.plugin.js';
import { landingPage } from './landing-page.js';
import { webhookRoutes } from './webhooks.routes.js';
import { ctiRoutes } from './cti.routes.js';
import { exportRoutes } from './export.routes.js';
import { createHardening, type HardeningOptions } from './hardening/hardening.js';
import { rateLimitStoreOf, type RateLimitStore } from './hardening/rate-limits.js';

/** Something whose reachability decides readiness (the database, the bus). */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<boolean>;
}

export interface AppDependencies {
  readonly orm: Orm;
  readonly tokens: TokenService;
  readonly logger: Logger;
  readonly readiness: readonly ReadinessCheck[];
  /** Development: GraphiQL on, with these headers preset (e.g. a demo token). */
  readonly graphiql?: { readonly headers?: Record<string, string> } | false;
  /** Where signed partner requests (webhooks, CTI) are published; without it those routes are not mounted. */
  readonly bus?: Bus;
  /** Production: introspection and field suggestions off. Default false. */
  readonly production?: boolean;
  /** Limits, rate limits and trusted documents; production defaults (docs/api-hardening.md) unless overridden. */
  readonly hardening?: HardeningOptions;
  /**
   * The access audit: every customer read through GraphQL is recorded (batched writes). Its
   * owner closes it after the server has drained. Without it nothing is audited (tests).
   */
  readonly auditor?: AccessAuditor;
  /**
   * Serve `/graphql` as an Apollo Federation v2 subgraph (`TANDEM_GRAPHQL_SUBGRAPH`): the same API
   * and hardening plus `_entities`/`_service`, for a partner's supergraph router. Default false.
   */
  readonly subgraph?: boolean;
  /**
   * News of changed customers for GraphQL subscriptions. Its owner closes it before the server:
   * that ends the open subscriptions (each after sending what it had), so the server can drain.
   */
  readonly customerChanges: CustomerChangeFeed;
  /** Where rate limits are counted. Default: the database's own (`rateLimitStoreOf`). */
  readonly rateLimitStore?: RateLimitStore;
}

/** Builds the HTTP app; never listens (main.ts and tests decide where). */
export function createApp(deps: AppDependencies): Express {
  const app = createHealthApp(deps.readiness);
  if (deps.bus) {
    const partner = { orm: deps.orm, bus: deps.bus, logger: deps.logger };
    app.use(webhookRoutes(partner), ctiRoutes(partner));
  }

  const hardening = createHardening(deps.rateLimitStore ?? rateLimitStoreOf(deps.orm), deps.hardening, deps.production ?? false);
  const yoga = createYoga<{ req: express.Request; res: express.Response }, GraphQLContext>({
    schema: deps.subgraph ? subgraphSchema() : schema,
    plugins: [...hardening.plugins, useSubscriptionEvents(), useStreamsCloseTheirConnection(), ...(deps.auditor ? [useAccessAudit(deps.auditor)] : [])],
    batching: hardening.batching,
    cors: hardening.cors,
    maxRequestBodySize: hardening.maxRequestBodySize,
    graphqlEndpoint: '/graphql',
    logging: yogaLogger(deps.logger.child({ component: 'yoga' })),
    maskedErrors: { maskError },
    graphiql: deps.graphiql
      ? { title: 'Tandem GraphQL', ...(deps.graphiql.headers ? { headers: JSON.stringify(deps.graphiql.headers, null, 2) } : {}) }
      : false,
    landingPage: false,
    context: async ({ request }) => {
      const requestId = request.headers.get('x-request-id') ?? randomUUID();
      const credentials = { authorization: request.headers.get('authorization'), apiKey: request.headers.get('x-api-key') };
      // A subscription's events each get a context of their own, made the same way: credentials checked again, one access trail.
      const contextFor = async (accessTrail?: AccessTrail): Promise<GraphQLContext> => {
        const principal = await authenticate(deps.tokens, deps.orm, credentials);
        const logger = deps.logger.child({ requestId, ...(principal ? { party: principal.party } : {}) });
        const context = createGraphQLContext({
          orm: deps.orm,
          principal,
          requestId,
          logger,
          lookups: hardening.lookupsFor(principal),
          accessTrail,
          live: {
            changes: deps.customerChanges,
            admit: (caller) => hardening.subscriptions.admit(caller),
            eventContext: () => contextFor(context.accessTrail),
          },
        });
        return context;
      };
      return contextFor();
    },
  });
  app.use(yoga.graphqlEndpoint, (req, res) => yoga.handle(req, res, { req, res }));
  app.use(exportRoutes({ orm: deps.orm, tokens: deps.tokens, logger: deps.logger, throttle: hardening.exports, auditor: deps.auditor }));

  app.get('/', (_req, res) => {
    res.type('html').send(landingPage);
  });
  return app;
}

/** `/healthz` (alive) and `/readyz` (every dependency reachable): all a worker process serves. */
export function createHealthApp(readiness: readonly ReadinessCheck[]): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(readiness.map(async (probe) => [probe.name, await probe.check().catch(() => false)] as const));
    const ready = results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  return app;
}
