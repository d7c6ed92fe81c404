import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./processes/silent-primary.ts', import.meta.url));

describe('rate limits of an HTTP process whose primary does not answer', () => {
  it('counts in the process itself after a second: requests are neither failed nor let through without a limit', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture], { cwd: root, timeout: 20_000 });
    const outcomes = JSON.parse(stdout) as { readonly tookMs: number; readonly refusal?: string }[];
    expect(outcomes.map((outcome) => outcome.refusal)).toEqual([
      undefined,
      undefined,
      expect.stringMatching(/^Rate limit exceeded: at most 2 GraphQL operations per minute; retry in \d+ s$/),
    ]);
    // Each count waited for the primary's answer first (PRIMARY_COUNT_TIMEOUT_MS).
    for (const outcome of outcomes) expect(outcome.tookMs).toBeGreaterThanOrEqual(990);
  });
});
