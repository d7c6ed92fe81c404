import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** What a connector's API key may do: read (queries), write (mutations), webhook (the party's webhook endpoints). */
export const apiKeyScopes = ['read', 'write', 'webhook'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/**
 * A connector's API key, scoped to one party (and for an interaction center to one client). Only the public prefix (to find the row) and a
 * SHA-256 hash of the whole key are stored; the plaintext is shown once, when it is issued.
 */
export const ApiKeyEntity = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: p.uuid().primary(),
    party: p.string().length(63).index('api_key_party_idx'),
    /** The public part of `tdm_<prefix>_<secret>`: finds the row without scanning hashes. */
    prefix: p.string().length(16).unique('api_key_prefix_unique'),
    /** SHA-256 of the whole key, hex. */
    keyHash: p.string().length(64),
    scopes: p.json<ApiKeyScope[]>(),
    /** An interaction center's key: the client it acts for (its reads and writes are that client's). */
    actingFor: p.string().length(63).nullable(),
    label: p.string().length(200).nullable(),
    createdAt: p.datetime(),
    /** Set once; from then on the key authenticates nothing. */
    revokedAt: p.datetime().nullable(),
  },
});
export type ApiKeyRow = InferEntity<typeof ApiKeyEntity>;
