import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { graphqlCodeByCategory, httpStatusByCategory, RateLimitedError, TandemError } from '@tandem/schema';

/**
 * Yoga's error mask: domain errors keep their message, code and field issues; anything else
 * becomes "Unexpected error." (yoga logs the original once, see `yogaLogger`). Never disabled.
 */
export function maskError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const domain = findTandemError(original);
  if (domain) return domainGraphQLError(domain, error instanceof GraphQLError ? error : undefined);
  // graphql-js's own errors (syntax, validation, variable coercion, whose cause is itself a GraphQLError) are for the client.
  if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) return error;
  return new GraphQLError(message, {
    ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

type LogMethod = (...args: unknown[]) => void;

/**
 * Yoga's logger on pino. Yoga logs every error the mask replaced at error level; a domain error
 * (bad credential, forbidden, not found, invalid input, rate limited) is the client's, answered
 * with its reason, so it is debug: a flood of bad tokens must not flood the error log. Anything
 * else stays an error, with its cause.
 */
export function yogaLogger(logger: Logger): Record<'debug' | 'info' | 'warn' | 'error', LogMethod> {
  const at = (level: 'debug' | 'info' | 'warn' | 'error'): LogMethod => (...args) => (logger[level] as LogMethod).apply(logger, args);
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: (...args) => {
      const cause = args[0] instanceof GraphQLError ? (args[0].originalError ?? args[0]) : args[0];
      if (findTandemError(cause)) at('debug')({ err: cause }, 'domain error answered to the client');
      else at('error')({ err: cause }, 'unexpected error in a GraphQL operation');
    },
  };
}

/** A domain error as GraphQL reports it: message, `code` by category, `reason`, field issues, and the HTTP status where it decides one. */
export function domainGraphQLError(domain: TandemError, located?: GraphQLError): GraphQLError {
  return new GraphQLError(domain.message, {
    ...(located ? { nodes: located.nodes, path: located.path } : {}),
    extensions: {
      code: graphqlCodeByCategory[domain.category],
      reason: domain.code,
      ...(domain.issues.length > 0 ? { issues: domain.issues } : {}),
      ...(domain.category === 'UNAUTHENTICATED' ? { http: { status: httpStatusByCategory.UNAUTHENTICATED } } : {}),
      ...(domain instanceof RateLimitedError
        ? { retryAfterSeconds: domain.retryAfterSeconds, http: { status: httpStatusByCategory.RATE_LIMITED, headers: { 'Retry-After': String(domain.retryAfterSeconds) } } }
        : {}),
    },
  });
}

function findTandemError(error: unknown): TandemError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof TandemError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
