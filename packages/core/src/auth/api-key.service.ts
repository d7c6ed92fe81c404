import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { PartyId } from '@tandem/schema';
import { NotFoundError, TandemError, ValidationError, type FieldIssue } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { PartyEntity } from '../parties/party.entity.js';
import { actingForRefusal } from '../sharing/viewer.service.js';
import { ApiKeyEntity, apiKeyScopes, type ApiKeyRow, type ApiKeyScope } from './api-key.entity.js';

export interface ApiKeyInput {
  readonly party: PartyId;
  /** At least one of read, write, webhook. */
  readonly scopes: readonly ApiKeyScope[];
  /**
   * The client an interaction center's key acts for: required when the key reads or writes (like
   * an agent's token), refused for other parties. A webhook-only key needs none.
   */
  readonly actingFor?: PartyId;
  /** Who or what uses the key (`dms-sync`); shown in listings and as the principal's subject. */
  readonly label?: string;
}

/** An API key as listings show it: never the secret, never its hash. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly party: PartyId;
  readonly prefix: string;
  readonly label: string | null;
  readonly scopes: readonly ApiKeyScope[];
  readonly actingFor: PartyId | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** A freshly issued key: `key` is the plaintext, returned this once and stored nowhere. */
export interface IssuedApiKey extends ApiKeyInfo {
  readonly key: string;
}

/** `tdm_<prefix>_<secret>`: 12 hex characters of prefix, 32 random bytes of secret (base64url). */
const keyFormat = /^tdm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

const uuidFormat = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates a key for a party with the given scopes. The party must exist. */
export async function issueApiKey(em: Em, input: ApiKeyInput, at = new Date()): Promise<IssuedApiKey> {
  const issues: FieldIssue[] = [];
  const unknownScopes = input.scopes.filter((scope) => !(apiKeyScopes as readonly string[]).includes(scope));
  if (input.scopes.length === 0) issues.push({ path: 'scopes', message: `must name at least one of ${apiKeyScopes.join(', ')}` });
  if (unknownScopes.length > 0) issues.push({ path: 'scopes', message: `unknown scope ${unknownScopes.join(', ')} (known: ${apiKeyScopes.join(', ')})` });
  const label = input.label?.trim() || null;
  if (label && label.length > 200) issues.push({ path: 'label', message: 'must be at most 200 characters' });
  if (issues.length > 0) throw new ValidationError(issues, 'INVALID_API_KEY');
  const party = await em.findOne(PartyEntity, { id: input.party }, { fields: ['id', 'kind', 'clients'] });
  if (!party) throw new ValidationError([{ path: 'party', message: `party ${input.party} does not exist` }], 'UNKNOWN_PARTY');
  const webhookOnly = input.scopes.every((scope) => scope === 'webhook');
  const refusal = webhookOnly && !input.actingFor ? undefined : actingForRefusal(party, input.actingFor);
  if (refusal) throw new ValidationError([{ path: 'actingFor', message: refusal.message }], refusal.code);
  const prefix = randomBytes(6).toString('hex');
  const key = `tdm_${prefix}_${randomBytes(32).toString('base64url')}`;
  const row = em.create(ApiKeyEntity, {
    id: uuidv7(),
    party: input.party,
    prefix,
    keyHash: hashKey(key),
    scopes: [...new Set(input.scopes)],
    actingFor: input.actingFor ?? null,
    label,
    createdAt: at,
    revokedAt: null,
  });
  await em.flush();
  return { ...toApiKeyInfo(row), key };
}

/**
 * The key's party, client and scopes, or UNAUTHENTICATED: API_KEY_MALFORMED, API_KEY_UNKNOWN (no such
 * key, or a wrong secret for a known prefix) or API_KEY_REVOKED (only said to a caller holding
 * the right secret).
 */
export async function verifyApiKey(em: Em, key: string): Promise<ApiKeyInfo> {
  const match = keyFormat.exec(key);
  if (!match) throw new TandemError('UNAUTHENTICATED', 'API_KEY_MALFORMED', 'API key is malformed (expected tdm_<prefix>_<secret>)');
  const row = await em.findOne(ApiKeyEntity, { prefix: match[1]! });
  if (!row || !timingSafeEqual(Buffer.from(row.keyHash, 'hex'), Buffer.from(hashKey(key), 'hex'))) {
    throw new TandemError('UNAUTHENTICATED', 'API_KEY_UNKNOWN', 'API key is not valid');
  }
  if (row.revokedAt) throw new TandemError('UNAUTHENTICATED', 'API_KEY_REVOKED', `API key ${row.prefix} was revoked`);
  return toApiKeyInfo(row);
}

/** Revokes a key at `at` (idempotent: an earlier revocation stands). */
export async function revokeApiKey(em: Em, id: string, at = new Date()): Promise<ApiKeyInfo> {
  const row = uuidFormat.test(id) ? await em.findOne(ApiKeyEntity, { id }) : null;
  if (!row) throw new NotFoundError('API key', id);
  row.revokedAt ??= at;
  await em.flush();
  return toApiKeyInfo(row);
}

/** A party's keys, oldest first, revoked ones included. */
export async function listApiKeys(em: Em, party: PartyId): Promise<ApiKeyInfo[]> {
  const rows = await em.find(ApiKeyEntity, { party }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return rows.map(toApiKeyInfo);
}

/**
 * SHA-256, not a password hash (scrypt/argon2): the key carries 256 random bits, so brute force
 * is hopeless without key stretching, and a fast hash keeps per-request verification cheap.
 */
function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function toApiKeyInfo(row: ApiKeyRow): ApiKeyInfo {
  return { id: row.id, party: row.party, prefix: row.prefix, label: row.label ?? null, scopes: row.scopes, actingFor: row.actingFor ?? null, createdAt: row.createdAt, revokedAt: row.revokedAt ?? null };
}
