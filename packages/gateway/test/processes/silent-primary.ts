/**
 * A process group whose primary never answers its HTTP process's rate-limit counts (it runs no
 * RateLimiterClusterMaster), as a primary stuck in a long synchronous task would. The HTTP
 * process takes three events from a budget of two per minute and reports what each got.
 * Prints the outcomes as one JSON line (rate-limit-fallback.test.ts).
 */
import cluster from 'node:cluster';
import { Throttle } from '../../src/http/hardening/rate-limits.js';

if (cluster.isPrimary) {
  const child = cluster.fork();
  child.on('message', (message: { readonly outcomes?: unknown }) => {
    // The HTTP process's count requests arrive here too, and go unanswered.
    if (message.outcomes === undefined) return;
    process.stdout.write(`${JSON.stringify(message.outcomes)}\n`);
    child.kill();
  });
} else {
  const throttle = new Throttle({ kind: 'processes' }, 'operations', [{ points: 2, durationSeconds: 60 }], { code: 'TOO_MANY_REQUESTS', what: 'GraphQL operations' });
  const outcomes: { readonly tookMs: number; readonly refusal?: string }[] = [];
  for (let event = 0; event < 3; event++) {
    const started = Date.now();
    try {
      await throttle.take('principal:dealer-berlin/anna');
      outcomes.push({ tookMs: Date.now() - started });
    } catch (error) {
      outcomes.push({ tookMs: Date.now() - started, refusal: (error as Error).message });
    }
  }
  process.send!({ outcomes });
}
