import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AccessTrail, viewerProfile, visibleCustomerPages, type AccessAuditor, type CustomerView, type Em, type Orm } from '@tandem/core';
import { parseOrThrow, TandemError } from '@tandem/schema';
import type { TokenService } from '../auth/token.service.js';
import { authenticate } from '../auth/authenticate.js';
import { hasScope, type Principal } from '../auth/principal.js';
import { requireBulkReaderRole } from '../auth/capability.js';
import { principalKey, type Throttle } from './hardening/rate-limits.js';
import { sendPartnerError } from './webhooks.routes.js';

export interface ExportRouteDependencies {
  readonly orm: Orm;
  readonly tokens: TokenService;
  readonly logger: Logger;
  /** Exports per caller (`RateLimits.exports`). */
  readonly throttle: Throttle;
  /** Every exported customer is a read of personal data: recorded like a GraphQL read. */
  readonly auditor?: AccessAuditor | undefined;
}

const pageSize = 500;
const exportQuery = z.object({ after: z.uuid('after must be a customer id (UUID) from a previous export').optional() });

/**
 * `GET /export/customers[?after=<customer id>]`: every customer the caller's party may see, as
 * newline-delimited JSON in customer id order — each line the customer as the GraphQL `customer`
 * query shows it to the caller (the same view and sharing rule), then a last line
 * `{"end":{"customers":N,"last":id}}`, or `{"error":{code,message}}` when the export failed after
 * it started (resume with `after=` the last id received). Streamed a page at a time with back
 * pressure, so memory stays flat for a million customers. Bearer token or API key with the `read`
 * scope; roles integration, manager, admin; rate-limited per caller; every exported customer is
 * recorded in the access audit before the next page is read.
 */
export function exportRoutes(deps: ExportRouteDependencies): Router {
  const router = express.Router();
  const logger = deps.logger.child({ component: 'export' });
  router.get('/export/customers', async (req: Request, res: Response) => {
    const requestId = req.get('x-request-id') ?? randomUUID();
    res.set('x-request-id', requestId);
    let started = false;
    try {
      const principal = await exporter(deps, req);
      const { after } = parseOrThrow(exportQuery, req.query);
      await deps.throttle.take(principalKey(principal));
      const em = deps.orm.em.fork() as Em;
      const { scope } = await viewerProfile(em, principal.party, principal.actingFor);
      res.status(200).type('application/x-ndjson');
      started = true;
      let customers = 0;
      let last = after ?? null;
      for await (const views of visibleCustomerPages(em, scope, { after, pageSize })) {
        if (views.length === 0) continue;
        const trail = new AccessTrail({ principal: principal.subject, role: principal.role, party: principal.party, actingFor: principal.actingFor, requestId });
        for (const view of views) trail.noteCustomerView(view, scope);
        // A page waits for its audit entries to be stored: an export outpaces the audit's writes,
        // whose buffer would otherwise grow with the export and, once full, drop entries.
        deps.auditor?.record(trail.drain());
        await deps.auditor?.flush();
        customers += views.length;
        last = views.at(-1)!.id;
        if (!res.write(views.map(exportLine).join(''))) await drainedOrClosed(res);
        // The client went away: stop reading (a closed response never drains).
        if (res.destroyed) return;
      }
      res.end(`${JSON.stringify({ end: { customers, last } })}\n`);
    } catch (error) {
      if (!started) {
        sendPartnerError(res, logger.child({ requestId }), error);
        return;
      }
      logger.error({ err: error, requestId }, 'customer export failed after it started');
      const code = error instanceof TandemError ? error.code : 'INTERNAL';
      res.end(`${JSON.stringify({ error: { code, message: 'The export stopped; resume it with after= the last customer id received.' } })}\n`);
    }
  });
  return router;
}

/** Resolves when the response can take more, or is closed (its 'drain' then never comes). */
async function drainedOrClosed(res: Response): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: stop.signal }), once(res, 'close', { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
}

/** The authenticated caller, if it may export; otherwise the refusal (401 without valid credentials, 403 for a role or key that may not). */
async function exporter(deps: ExportRouteDependencies, req: Request): Promise<Principal> {
  const principal = await authenticate(deps.tokens, deps.orm, { authorization: req.get('authorization') ?? null, apiKey: req.get('x-api-key') ?? null });
  if (!principal) throw new TandemError('UNAUTHENTICATED', 'AUTHENTICATION_REQUIRED', 'send a bearer token (Authorization: Bearer …) or an API key (X-Api-Key: tdm_…)');
  if (!hasScope(principal, 'read')) throw new TandemError('FORBIDDEN', 'INSUFFICIENT_SCOPE', 'this credential lacks the read scope');
  requireBulkReaderRole(principal, 'ROLE_MAY_NOT_EXPORT', 'export customers');
  return principal;
}

/** One NDJSON line: the customer as the caller sees it, each value with the party that stated it. */
function exportLine(view: CustomerView): string {
  const source = (value: { readonly sourceParty: string; readonly onBehalfOf: string | null }) => ({ party: value.sourceParty, onBehalfOf: value.onBehalfOf });
  return `${JSON.stringify({
    id: view.id,
    kind: view.kind,
    givenName: view.givenName,
    familyName: view.familyName,
    companyName: view.companyName,
    preferredLanguage: view.preferredLanguage,
    phones: view.phones.map((phone) => ({ value: phone.value, label: phone.label, source: source(phone) })),
    emails: view.emails.map((email) => ({ value: email.value, label: email.label, source: source(email) })),
    addresses: view.addresses.map(({ street, postalCode, city, country, label, ...rest }) => ({ street, postalCode, city, country, label, source: source(rest) })),
    vehicles: view.vehicles.map(({ vin, brand, model, registrationDate, relation, ...rest }) => ({ vin, brand, model, registrationDate, relation, source: source(rest) })),
    sources: view.sources,
    updatedAt: view.updatedAt.toISOString(),
  })}\n`;
}
