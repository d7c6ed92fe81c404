export interface BackoffOptions {
  /** First delay in ms (default 100). */
  readonly initialMs?: number;
  /** Cap in ms (default 5000). */
  readonly maxMs?: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay plus a random half, so
 * retrying workers spread out but never retry immediately. `attempt` starts at 1.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5000;
  const exponential = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + Math.random() * (exponential / 2));
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
