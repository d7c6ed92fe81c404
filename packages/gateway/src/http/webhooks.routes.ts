import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { Orm } from '@tandem/core';
import {
  acceptInboundEvents,
  maxInboundBodyBytes,
  webhookHeaders,
  type AcceptedEvents,
  type Bus,
  type InboundWebhookDeps,
  type InboundWebhookRequest,
} from '@tandem/connectors';
import { httpStatusByCategory, RateLimitedError, TandemError } from '@tandem/schema';

export interface PartnerRouteDependencies {
  readonly orm: Orm;
  readonly bus: Bus;
  readonly logger: Logger;
  /** The hub's clock for the replay window (default: the system clock). */
  readonly clock?: () => Date;
}

type Accept = (deps: InboundWebhookDeps, request: InboundWebhookRequest) => Promise<AcceptedEvents>;

/**
 * `POST /webhooks/:party/events`: a partner's signed events (one envelope or `{ events: [...] }`,
 * at most 1 MiB and 500 events). 202 `{ accepted: [eventIds] }` once durable on the bus; 401 for a
 * missing, wrong or stale signature (nothing stored); 400 naming every bad field, nothing accepted.
 * Errors are `{ error: { code, message, issues? } }`.
 */
export function webhookRoutes(deps: PartnerRouteDependencies): Router {
  const router = express.Router();
  mountPartnerRoute(router, '/webhooks/:party/events', deps, acceptInboundEvents);
  return router;
}

/** A signed partner route: raw body (the signature covers the exact bytes), JSON errors, 202 on acceptance. */
export function mountPartnerRoute(router: Router, path: string, deps: PartnerRouteDependencies, accept: Accept): void {
  const logger = deps.logger.child({ component: 'partner-http' });
  router.post(
    path,
    express.raw({ type: () => true, limit: maxInboundBodyBytes }),
    async (req: Request<{ party: string }>, res: Response) => {
      const requestId = req.get('x-request-id') ?? randomUUID();
      res.set('x-request-id', requestId);
      const party = req.params.party;
      try {
        const result = await accept(
          { orm: deps.orm, bus: deps.bus, ...(deps.clock ? { clock: deps.clock } : {}) },
          {
            party,
            timestamp: req.get(webhookHeaders.timestamp),
            signature: req.get(webhookHeaders.signature),
            body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
            requestId,
          },
        );
        res.status(202).json(result);
      } catch (error) {
        sendPartnerError(res, logger.child({ requestId, party }), error);
      }
    },
    // Errors of the body parser (too large, aborted, bad encoding) arrive here.
    (error: unknown, req: Request, res: Response, _next: NextFunction) => {
      const status = (error as { status?: number }).status ?? 500;
      if ((error as { type?: string }).type === 'entity.too.large') {
        res.status(413).json(errorBody('BODY_TOO_LARGE', `The request body exceeds ${maxInboundBodyBytes} bytes; send fewer events per request`));
        return;
      }
      if (status >= 400 && status < 500) {
        res.status(status).json(errorBody('UNREADABLE_BODY', (error as Error).message));
        return;
      }
      sendPartnerError(res, logger.child({ requestId: req.get('x-request-id') }), error);
    },
  );
}

export function sendPartnerError(res: Response, logger: Logger, error: unknown): void {
  if (error instanceof TandemError) {
    const status = httpStatusByCategory[error.category];
    if (error.category === 'UNAUTHENTICATED') logger.warn({ code: error.code }, 'refused an unauthenticated partner request');
    else if (error.category === 'BAD_INPUT') logger.info({ code: error.code, issues: error.issues.length }, 'refused invalid partner input');
    // A refusal is the caller's matter, not an incident; a flood of rate-limited requests must not flood the log.
    else if (error.category === 'RATE_LIMITED') logger.debug({ code: error.code }, 'rate-limited a partner request');
    else if (status < 500) logger.info({ code: error.code }, 'refused a partner request');
    else logger.error({ err: error }, 'partner request failed');
    if (error instanceof RateLimitedError) res.set('retry-after', String(error.retryAfterSeconds));
    else if (error.retriable) res.set('retry-after', '5');
    res.status(status).json(errorBody(error.code, error.message, error.issues));
    return;
  }
  logger.error({ err: error }, 'unexpected error in a partner request');
  res.status(500).json(errorBody('INTERNAL', 'Unexpected error.'));
}

function errorBody(code: string, message: string, issues: readonly { path: string; message: string }[] = []) {
  return { error: { code, message, ...(issues.length > 0 ? { issues } : {}) } };
}
