import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { z } from 'zod';

/** The committed manifest of first-party operations: lowercase hex SHA-256 of the document → the document. */
export const trustedDocumentsFile = new URL('../../../trusted-documents.json', import.meta.url);

const manifest = z.record(z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256'), z.string().min(1));

/** The id of a document: lowercase hex SHA-256 of its exact text. */
export function documentId(document: string): string {
  return createHash('sha256').update(document, 'utf8').digest('hex');
}

/** Reads and checks the manifest; a key that is not the hash of its document fails start-up. */
export function loadTrustedDocuments(file: URL | string = trustedDocumentsFile): ReadonlyMap<string, string> {
  const entries = manifest.parse(JSON.parse(readFileSync(file, 'utf8')));
  for (const [id, document] of Object.entries(entries)) {
    if (documentId(document) !== id) throw new Error(`${String(file)}: ${id} is not the SHA-256 of its document (it is ${documentId(document)})`);
  }
  return new Map(Object.entries(entries));
}

/**
 * Trusted documents: a request may name a manifest entry instead of sending a document, as
 * `documentId` (body or GET parameter, optionally `sha256:`-prefixed) or as Apollo's
 * `extensions.persistedQuery.sha256Hash`. With `only`, nothing else runs.
 */
export function useTrustedDocuments(documents: ReadonlyMap<string, string>, options: { readonly only: boolean }): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: !options.only,
    getPersistedOperation: (id) => documents.get(id) ?? null,
    extractPersistedOperationId: (params, request) => {
      const named = (params as GraphQLParams & { documentId?: unknown }).documentId ?? new URL(request.url).searchParams.get('documentId');
      const apq = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
      const id = typeof named === 'string' ? named : typeof apq === 'string' ? apq : undefined;
      return id?.replace(/^sha256:/i, '').toLowerCase() ?? null;
    },
    customErrors: {
      notFound: {
        message: 'PersistedQueryNotFound: documentId is not a trusted document of this server',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } },
      },
      persistedQueryOnly: {
        message: 'Only trusted documents run on this server: send documentId (the SHA-256 of a document in trusted-documents.json) instead of query',
        extensions: { code: 'TRUSTED_DOCUMENTS_ONLY', http: { status: 400 } },
      },
      // Runs before yoga's own parameter checks, so it answers for them: 400 for a missing or non-string query.
      keyNotFound: ({ params }) =>
        createGraphQLError(params.query == null ? (options.only ? 'Must provide documentId.' : 'Must provide query string.') : `Expected "query" param to be a string, but given ${typeof params.query}.`, {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        }),
    },
  });
}
