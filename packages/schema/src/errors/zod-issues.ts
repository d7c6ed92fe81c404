import type { z } from 'zod';
import { ValidationError, type FieldIssue } from './tandem-error.js';

/** Dotted path of a zod issue (`contactPoints.0.phone`), empty for the root. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

export function fieldIssuesFromZod(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, issuePath(issue.path)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** Parses `input` with `schema`, throwing one ValidationError that lists every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldIssuesFromZod(result.error, prefix));
  return result.data;
}
