import { TandemError } from '@tandem/schema';
import type { TimelineCursor } from '@tandem/core';

/** Opaque cursor over (occurredAt, id): base64url JSON, so clients never build their own. */
export function encodeTimelineCursor(position: TimelineCursor): string {
  return Buffer.from(JSON.stringify([position.occurredAt.toISOString(), position.id])).toString('base64url');
}

export function decodeTimelineCursor(cursor: string): TimelineCursor {
  try {
    const [occurredAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(occurredAt);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('shape');
    return { occurredAt: date, id };
  } catch {
    throw new TandemError('BAD_INPUT', 'BAD_CURSOR', 'after: is not a cursor returned by this API', { issues: [{ path: 'after', message: 'is not a cursor returned by this API' }] });
  }
}
