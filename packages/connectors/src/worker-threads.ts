import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * `execArgv` for worker threads: they load TypeScript sources like the rest of Tandem (run by tsx,
 * no build step). In a worker thread tsx's hooks apply to `require`, not to `import`, so a worker's
 * TypeScript entry is `require`d (piscina does so; producer-thread.ts from an evaluated script).
 */
export function tsxExecArgv(): string[] {
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
}
