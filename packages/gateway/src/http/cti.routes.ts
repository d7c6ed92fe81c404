import express, { type Router } from 'express';
import { acceptCallEvents } from '@tandem/connectors';
import { mountPartnerRoute, type PartnerRouteDependencies } from './webhooks.routes.js';

/**
 * `POST /cti/:party/calls`: call events (ringing, answered, ended) from an interaction center's
 * telephony, one `call.event` v1 envelope or `{ events: [...] }`, signed like webhooks. 202
 * `{ accepted: [eventIds] }`; the ingest pipeline stores them and resolves the caller.
 */
export function ctiRoutes(deps: PartnerRouteDependencies): Router {
  const router = express.Router();
  mountPartnerRoute(router, '/cti/:party/calls', deps, acceptCallEvents);
  return router;
}
