import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  errorCategories,
  fieldIssuesFromZod,
  formatIssues,
  graphqlCodeByCategory,
  httpStatusByCategory,
  issuePath,
  NotFoundError,
  parseOrThrow,
  TandemError,
  ValidationError,
  type ErrorCategory,
} from '../src/index.js';

describe('error taxonomy', () => {
  it.each(errorCategories)('maps %s to an HTTP status and a GraphQL code', (category) => {
    expect(httpStatusByCategory[category]).toBeGreaterThanOrEqual(400);
    expect(httpStatusByCategory[category]).toBeLessThan(600);
    expect(graphqlCodeByCategory[category]).toMatch(/^[A-Z_]+$/);
  });

  it('maps no category that does not exist', () => {
    expect(Object.keys(httpStatusByCategory).sort()).toEqual([...errorCategories].sort());
    expect(Object.keys(graphqlCodeByCategory).sort()).toEqual([...errorCategories].sort());
    expectTypeOf(httpStatusByCategory).toEqualTypeOf<Record<ErrorCategory, number>>();
    expectTypeOf(graphqlCodeByCategory).toEqualTypeOf<Record<ErrorCategory, string>>();
  });

  it('uses the statuses and codes clients already know', () => {
    expect(httpStatusByCategory).toEqual({
      BAD_INPUT: 400,
      NOT_FOUND: 404,
      CONFLICT: 409,
      UNAUTHENTICATED: 401,
      FORBIDDEN: 403,
      RATE_LIMITED: 429,
      UNAVAILABLE: 503,
      INTERNAL: 500,
    });
    expect(graphqlCodeByCategory).toEqual({
      BAD_INPUT: 'BAD_USER_INPUT',
      NOT_FOUND: 'NOT_FOUND',
      CONFLICT: 'CONFLICT',
      UNAUTHENTICATED: 'UNAUTHENTICATED',
      FORBIDDEN: 'FORBIDDEN',
      RATE_LIMITED: 'RATE_LIMITED',
      UNAVAILABLE: 'SERVICE_UNAVAILABLE',
      INTERNAL: 'INTERNAL_SERVER_ERROR',
    });
  });

  it.each(errorCategories)('makes %s retriable only when waiting can help', (category) => {
    expect(new TandemError(category, 'X', 'x').retriable).toBe(category === 'UNAVAILABLE' || category === 'RATE_LIMITED');
  });

  it('keeps an explicit retriable flag and the cause', () => {
    const cause = new Error('SQLITE_BUSY');
    const error = new TandemError('CONFLICT', 'CUSTOMER_LOCKED', 'customer is being merged', { retriable: true, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'TandemError', category: 'CONFLICT', code: 'CUSTOMER_LOCKED', retriable: true, issues: [] });
    expect(error.cause).toBe(cause);
    expect(new TandemError('INTERNAL', 'BOOM', 'boom')).not.toHaveProperty('cause');
  });
});

describe('ValidationError', () => {
  it('lists every bad field in its message', () => {
    const error = new ValidationError([
      { path: 'phones.0.value', message: '"030 1" is not a valid phone number (read as a DE national number)' },
      { path: '', message: 'is not valid JSON' },
    ]);
    expect(error).toBeInstanceOf(TandemError);
    expect(error).toMatchObject({ name: 'ValidationError', category: 'BAD_INPUT', code: 'VALIDATION_FAILED', retriable: false });
    expect(error.message).toBe('phones.0.value: "030 1" is not a valid phone number (read as a DE national number); is not valid JSON');
  });

  it('is what parseOrThrow throws, with the prefix in every path', () => {
    const schema = z.object({ phones: z.array(z.object({ value: z.string().min(5, 'is too short') })) });
    expect(() => parseOrThrow(schema, { phones: [{ value: '030' }] }, 'payload')).toThrow(
      new ValidationError([{ path: 'payload.phones.0.value', message: 'is too short' }]),
    );
    expect(parseOrThrow(schema, { phones: [] })).toEqual({ phones: [] });
  });
});

describe('NotFoundError', () => {
  it('says what was not found', () => {
    const error = new NotFoundError('Customer', '0b6f7c2e-1d3a-4e5f-8a9b-c0d1e2f3a4b5');
    expect(error).toMatchObject({ name: 'NotFoundError', category: 'NOT_FOUND', code: 'NOT_FOUND', retriable: false });
    expect(error.message).toBe('Customer 0b6f7c2e-1d3a-4e5f-8a9b-c0d1e2f3a4b5 was not found');
    expect(httpStatusByCategory[error.category]).toBe(404);
  });
});

describe('issue paths', () => {
  it('dots a zod path and leaves the root empty', () => {
    expect(issuePath(['addresses', 0, 'country'])).toBe('addresses.0.country');
    expect(issuePath([])).toBe('');
  });

  it('prefixes only non-empty paths', () => {
    const error = z.string().safeParse(42).error!;
    expect(fieldIssuesFromZod(error)).toEqual([{ path: '', message: 'Invalid input: expected string, received number' }]);
    expect(fieldIssuesFromZod(error, 'payload')).toEqual([{ path: 'payload', message: 'Invalid input: expected string, received number' }]);
  });

  it('formats issues without a path as the message alone', () => {
    expect(formatIssues([{ path: '', message: 'is empty' }, { path: 'key', message: 'must not be empty' }])).toBe('is empty; key: must not be empty');
  });
});
