/** Every failure Tandem reports falls in exactly one category; transports map categories, never codes. */
export const errorCategories = [
  'BAD_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCategory = (typeof errorCategories)[number];

/** One problem with one field of an input: `path` names the field, `message` the reason. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface TandemErrorOptions {
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly issues?: readonly FieldIssue[];
}

/** Base of the error taxonomy: a stable machine `code`, a `category` and whether a retry can help. */
export class TandemError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly retriable: boolean;
  readonly issues: readonly FieldIssue[];

  constructor(category: ErrorCategory, code: string, message: string, options: TandemErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TandemError';
    this.category = category;
    this.code = code;
    this.retriable = options.retriable ?? (category === 'UNAVAILABLE' || category === 'RATE_LIMITED');
    this.issues = options.issues ?? [];
  }
}

/** Input that failed its contract; `issues` lists every bad field with its reason. */
export class ValidationError extends TandemError {
  constructor(issues: readonly FieldIssue[], code = 'VALIDATION_FAILED') {
    super('BAD_INPUT', code, formatIssues(issues), { issues });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends TandemError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', 'NOT_FOUND', `${what} ${id} was not found`);
    this.name = 'NotFoundError';
  }
}

/** Over a rate limit; transports send `retryAfterSeconds` as HTTP `Retry-After`. */
export class RateLimitedError extends TandemError {
  readonly retryAfterSeconds: number;

  constructor(code: string, message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', code, message);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
}

/** HTTP status per category; a `Record` so a new category fails to compile until it is mapped. */
export const httpStatusByCategory: Record<ErrorCategory, number> = {
  BAD_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** GraphQL `extensions.code` per category (Apollo-compatible names where one exists). */
export const graphqlCodeByCategory: Record<ErrorCategory, string> = {
  BAD_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};
