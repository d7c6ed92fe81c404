import { randomBytes } from 'node:crypto';
import { raw } from '@mikro-orm/core';
import type { PartyId } from '@tandem/schema';
import { NotFoundError, ValidationError, type FieldIssue } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { PartyEntity } from '../parties/party.entity.js';
import { WebhookEndpointEntity, type WebhookEndpointRow } from './webhook-endpoint.entity.js';

export interface WebhookEndpointInput {
  readonly party: PartyId;
  /** `http(s)://` URL for outbound events; null or absent: no outbound webhook (unchanged on update when absent). */
  readonly outboundUrl?: string | null;
  /** Default true on creation; unchanged on update when absent. */
  readonly enabled?: boolean;
  /** A secret agreed with the partner (at least 32 characters); generated when absent. */
  readonly inboundSecret?: string;
  readonly outboundSecret?: string;
}

/** What the partner needs to configure its side. Secrets appear here and nowhere in logs. */
export interface WebhookEndpointRegistration {
  readonly party: PartyId;
  readonly inboundSecret: string;
  readonly outboundSecret: string;
  readonly outboundUrl: string | null;
  readonly enabled: boolean;
}

const minSecretLength = 32;

/** A new shared secret: `whsec_` and 32 random bytes (base64url). The whole string is the HMAC key. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Registers a party's webhook endpoint or updates it (URL, enabled, secrets). Secrets not given
 * are generated on creation and kept on update. The party must exist.
 */
export async function registerWebhookEndpoint(em: Em, input: WebhookEndpointInput, at = new Date()): Promise<WebhookEndpointRegistration> {
  const issues: FieldIssue[] = [];
  if (input.outboundUrl !== undefined && input.outboundUrl !== null) {
    const problem = outboundUrlProblem(input.outboundUrl);
    if (problem) issues.push({ path: 'outboundUrl', message: problem });
  }
  for (const field of ['inboundSecret', 'outboundSecret'] as const) {
    const secret = input[field];
    if (secret !== undefined && secret.length < minSecretLength) issues.push({ path: field, message: `must be at least ${minSecretLength} characters` });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'INVALID_WEBHOOK_ENDPOINT');
  if (!(await em.findOne(PartyEntity, { id: input.party }, { fields: ['id'] }))) {
    throw new ValidationError([{ path: 'party', message: `party ${input.party} does not exist` }], 'UNKNOWN_PARTY');
  }
  let row = await em.findOne(WebhookEndpointEntity, { party: input.party });
  if (row) {
    if (input.outboundUrl !== undefined) row.outboundUrl = input.outboundUrl;
    if (input.enabled !== undefined) row.enabled = input.enabled;
    if (input.inboundSecret !== undefined) row.inboundSecret = input.inboundSecret;
    if (input.outboundSecret !== undefined) row.outboundSecret = input.outboundSecret;
    row.updatedAt = at;
  } else {
    row = em.create(WebhookEndpointEntity, {
      party: input.party,
      inboundSecret: input.inboundSecret ?? generateWebhookSecret(),
      previousInboundSecret: null,
      previousInboundSecretUntil: null,
      outboundUrl: input.outboundUrl ?? null,
      outboundSecret: input.outboundSecret ?? generateWebhookSecret(),
      enabled: input.enabled ?? true,
      consecutiveFailures: 0,
      openUntil: null,
      createdAt: at,
      updatedAt: at,
    });
  }
  await em.flush();
  return toRegistration(row);
}

function outboundUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials (requests are signed instead)';
  if (value.length > 2000) return 'must be at most 2000 characters';
  return undefined;
}

export interface RotateSecretOptions {
  /** How long the replaced secret is still accepted, so the partner can switch without failed requests (default 24 h). */
  readonly graceMs?: number;
  readonly at?: Date;
}

/**
 * Replaces the party's inbound secret. The old one stays valid for the grace period; during it
 * the partner may send both signatures (`v1=<old>,v1=<new>`), and either is accepted.
 */
export async function rotateInboundSecret(em: Em, party: PartyId, options: RotateSecretOptions = {}): Promise<WebhookEndpointRegistration & { readonly previousSecretValidUntil: Date }> {
  const at = options.at ?? new Date();
  const graceMs = options.graceMs ?? 24 * 60 * 60 * 1000;
  const row = await getWebhookEndpoint(em, party);
  row.previousInboundSecret = row.inboundSecret;
  row.previousInboundSecretUntil = new Date(at.getTime() + graceMs);
  row.inboundSecret = generateWebhookSecret();
  row.updatedAt = at;
  await em.flush();
  return { ...toRegistration(row), previousSecretValidUntil: row.previousInboundSecretUntil };
}

export async function findWebhookEndpoint(em: Em, party: PartyId): Promise<WebhookEndpointRow | null> {
  return em.findOne(WebhookEndpointEntity, { party }, { refresh: true });
}

export async function getWebhookEndpoint(em: Em, party: PartyId): Promise<WebhookEndpointRow> {
  const row = await findWebhookEndpoint(em, party);
  if (!row) throw new NotFoundError('Webhook endpoint', party);
  return row;
}

/** Enabled endpoints with an outbound URL: the parties the delivery worker serves. */
export async function listDeliverableEndpoints(em: Em): Promise<WebhookEndpointRow[]> {
  return em.find(WebhookEndpointEntity, { enabled: true, outboundUrl: { $ne: null } }, { orderBy: { party: 'asc' } });
}

/** The secrets an inbound signature may be made with at `at`: the current one and, within its grace, the previous. */
export function inboundSecretsAt(row: Pick<WebhookEndpointRow, 'inboundSecret' | 'previousInboundSecret' | 'previousInboundSecretUntil'>, at: Date): string[] {
  const secrets = [row.inboundSecret];
  if (row.previousInboundSecret && row.previousInboundSecretUntil && row.previousInboundSecretUntil > at) secrets.push(row.previousInboundSecret);
  return secrets;
}

export interface CircuitState {
  readonly consecutiveFailures: number;
  readonly openUntil: Date | null;
}

/**
 * Counts a failed outbound attempt (atomically, so workers on several partitions count together).
 * From `threshold` failures in a row the circuit is (re)opened until `openUntil`.
 */
export async function recordEndpointFailure(
  em: Em,
  party: PartyId,
  options: { readonly threshold: number; readonly openUntil: Date; readonly at: Date },
): Promise<CircuitState> {
  await em.nativeUpdate(WebhookEndpointEntity, { party }, { consecutiveFailures: raw('consecutive_failures + 1'), updatedAt: options.at });
  await em.nativeUpdate(WebhookEndpointEntity, { party, consecutiveFailures: { $gte: options.threshold } }, { openUntil: options.openUntil });
  const row = await getWebhookEndpoint(em, party);
  return { consecutiveFailures: row.consecutiveFailures, openUntil: row.openUntil ?? null };
}

/** The partner answered: the failure count restarts and the circuit closes. */
export async function recordEndpointSuccess(em: Em, party: PartyId, at: Date): Promise<void> {
  await em.nativeUpdate(WebhookEndpointEntity, { party }, { consecutiveFailures: 0, openUntil: null, updatedAt: at });
}

/**
 * Half-open: claims the single probe of a circuit whose cool-down has passed by moving
 * `openUntil` to `leaseUntil`. True for exactly one caller; the others see the circuit open
 * until the probe settles it (or its lease runs out, when the prober died).
 */
export async function claimCircuitProbe(em: Em, party: PartyId, options: { readonly at: Date; readonly leaseUntil: Date }): Promise<boolean> {
  const claimed = await em.nativeUpdate(WebhookEndpointEntity, { party, openUntil: { $lte: options.at } }, { openUntil: options.leaseUntil });
  return claimed === 1;
}

function toRegistration(row: WebhookEndpointRow): WebhookEndpointRegistration {
  return {
    party: row.party,
    inboundSecret: row.inboundSecret,
    outboundSecret: row.outboundSecret,
    outboundUrl: row.outboundUrl ?? null,
    enabled: row.enabled,
  };
}
