import { describe, expect, it } from 'vitest';
import { TandemError } from '@tandem/schema';
import {
  computeWebhookSignature,
  signWebhook,
  verifyWebhookSignature,
  webhookHeaders,
} from '../src/webhooks/webhook-signature.js';
import { fullJitterDelay, isRetriableStatus, parseRetryAfter } from '../src/webhooks/webhook-delivery.js';

const secret = 'whsec_test-secret-0123456789-abcdefghijklmnop';
const other = 'whsec_other-secret-0123456789-abcdefghijklmno';
const body = '{"id":"0190c3d4-0000-7000-8000-000000000000","type":"contact.upserted"}';
const now = new Date('2026-05-04T10:00:00Z');
const t = Math.floor(now.getTime() / 1000);

function request(headers: Record<string, string>, payload: string = body) {
  return { timestamp: headers[webhookHeaders.timestamp], signature: headers[webhookHeaders.signature], body: payload };
}

function codeOf(action: () => void): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(TandemError);
    expect((error as TandemError).category).toBe('UNAUTHENTICATED');
    return (error as TandemError).code;
  }
}

describe('webhook signature (v1: HMAC-SHA256 over `${timestamp}.${rawBody}`)', () => {
  it('is the documented HMAC, hex-encoded', async () => {
    const { createHmac } = await import('node:crypto');
    expect(computeWebhookSignature(secret, t, body)).toBe(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
    expect(signWebhook([secret], body, t)).toEqual({
      [webhookHeaders.timestamp]: String(t),
      [webhookHeaders.signature]: `v1=${computeWebhookSignature(secret, t, body)}`,
    });
  });

  it('accepts a correct signature, also as any of several v1 entries (secret rotation) and beside unknown schemes', () => {
    expect(codeOf(() => verifyWebhookSignature(request(signWebhook([secret], body, t)), [secret], { now }))).toBeUndefined();
    const both = signWebhook([other, secret], body, t);
    expect(both[webhookHeaders.signature]).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(codeOf(() => verifyWebhookSignature(request(both), [secret], { now }))).toBeUndefined();
    const withV0 = { ...both, [webhookHeaders.signature]: `v0=deadbeef, ${both[webhookHeaders.signature]}` };
    expect(codeOf(() => verifyWebhookSignature(request(withV0), [secret], { now }))).toBeUndefined();
    // The receiver may hold two secrets in force (its own rotation grace); one entry matching one of them is enough.
    expect(codeOf(() => verifyWebhookSignature(request(signWebhook([other], body, t)), [secret, other], { now }))).toBeUndefined();
  });

  it('refuses a wrong secret, a changed body and a changed timestamp', () => {
    expect(codeOf(() => verifyWebhookSignature(request(signWebhook([other], body, t)), [secret], { now }))).toBe('INVALID_SIGNATURE');
    expect(codeOf(() => verifyWebhookSignature(request(signWebhook([secret], body, t), `${body} `), [secret], { now }))).toBe('INVALID_SIGNATURE');
    const signed = signWebhook([secret], body, t);
    const shifted = { ...signed, [webhookHeaders.timestamp]: String(t + 1) };
    expect(codeOf(() => verifyWebhookSignature(request(shifted), [secret], { now }))).toBe('INVALID_SIGNATURE');
  });

  it('refuses missing and malformed headers', () => {
    expect(codeOf(() => verifyWebhookSignature({ timestamp: undefined, signature: undefined, body }, [secret], { now }))).toBe('MISSING_SIGNATURE');
    const signed = signWebhook([secret], body, t);
    expect(codeOf(() => verifyWebhookSignature({ ...request(signed), signature: undefined }, [secret], { now }))).toBe('MISSING_SIGNATURE');
    expect(codeOf(() => verifyWebhookSignature({ ...request(signed), timestamp: '2026-05-04T10:00:00Z' }, [secret], { now }))).toBe('MALFORMED_SIGNATURE');
    expect(codeOf(() => verifyWebhookSignature({ ...request(signed), signature: computeWebhookSignature(secret, t, body) }, [secret], { now }))).toBe(
      'MALFORMED_SIGNATURE',
    );
    expect(codeOf(() => verifyWebhookSignature({ ...request(signed), signature: 'v1=abc' }, [secret], { now }))).toBe('MALFORMED_SIGNATURE');
  });

  it('refuses a timestamp more than five minutes away, in both directions', () => {
    for (const offset of [-301, 301]) {
      expect(codeOf(() => verifyWebhookSignature(request(signWebhook([secret], body, t + offset)), [secret], { now }))).toBe('STALE_TIMESTAMP');
    }
    for (const offset of [-300, 300]) {
      expect(codeOf(() => verifyWebhookSignature(request(signWebhook([secret], body, t + offset)), [secret], { now }))).toBeUndefined();
    }
  });
});

describe('outbound retry policy', () => {
  it('retries 408, 429, 5xx and redirects; other 4xx are permanent', () => {
    expect([408, 429, 500, 502, 503, 504, 301, 307].every(isRetriableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 410, 413, 422].some(isRetriableStatus)).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date, capped, and ignores garbage', () => {
    const at = Date.parse('2026-05-04T10:00:00Z');
    expect(parseRetryAfter('120', at)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', at)).toBe(0);
    expect(parseRetryAfter('Mon, 04 May 2026 10:00:30 GMT', at)).toBe(30_000);
    expect(parseRetryAfter('Mon, 04 May 2026 09:00:00 GMT', at)).toBe(0);
    expect(parseRetryAfter('999999', at, 60_000)).toBe(60_000);
    expect(parseRetryAfter('soon', at)).toBeUndefined();
    expect(parseRetryAfter(null, at)).toBeUndefined();
  });

  it('backs off exponentially with full jitter: anywhere from 0 up to the capped exponential', () => {
    for (let attempt = 1; attempt <= 12; attempt += 1) {
      const ceiling = Math.min(1000, 10 * 2 ** (attempt - 1));
      for (let sample = 0; sample < 50; sample += 1) {
        const delay = fullJitterDelay(attempt, { initialMs: 10, maxMs: 1000 });
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });
});
