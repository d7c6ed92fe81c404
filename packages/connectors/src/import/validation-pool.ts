import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ImportRow } from './import-row.js';
import type { RowInput, RowOutcome, RowValidator, ValidationSetup } from './row-validation.js';
import type { ValidationTask } from './row-validation.worker.js';
import { tsxExecArgv } from '../worker-threads.js';

/** Turns chunks of rows into their outcomes, in row order. */
export interface RowValidation {
  validate(rows: readonly ImportRow[]): Promise<readonly RowOutcome[]>;
  close(): Promise<void>;
}

/**
 * Chunks handed to each validation thread ahead of the one being taken. They wait in the thread's
 * own queue: a thread that finishes a chunk starts the next at once, even while the calling thread
 * is busy publishing (piscina would otherwise hand over the next task only when the calling
 * thread's event loop hears of the last one, and the thread idled through every publish).
 */
export const CHUNKS_AHEAD_PER_THREAD = 4;

/**
 * A validation thread's young generation. zod and libphonenumber allocate a great deal of
 * short-lived garbage per row; with V8's default (~32 MB) scavenges took ~18 % of a thread's
 * time, with 128 MB ~6–7 % (profiles of the thread, `bench import`).
 */
const YOUNG_GENERATION_MB = 128;

/** Validation on the calling thread: for small files, where starting threads costs more than it saves. */
export function inlineValidation(validator: RowValidator): RowValidation {
  return {
    validate: (rows) => Promise.resolve(rows.map((row) => validator.validate(row))),
    close: () => Promise.resolve(),
  };
}

/** Worker threads for validation: the cores left when the calling thread reads the file and publishes. */
export function defaultValidationThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Validation in worker threads (piscina): libphonenumber and zod run there while the calling
 * thread reads the file and publishes. Each thread builds its own validator from the plain
 * `setup`; only the rows' fields travel (their bytes stay for the rejects file).
 */
export function pooledValidation(setup: ValidationSetup, threads: number): RowValidation {
  const pool = new Piscina<ValidationTask, RowOutcome[]>({
    filename: new URL('./row-validation.worker.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: CHUNKS_AHEAD_PER_THREAD,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    execArgv: tsxExecArgv(),
  });
  return {
    validate: (rows) => pool.run({ setup, rows: rows.map(inputOf) }),
    close: () => pool.destroy(),
  };
}

function inputOf(row: ImportRow): RowInput {
  switch (row.kind) {
    case 'fields':
      return { row: row.row, kind: 'fields', fields: row.fields };
    case 'object':
      return { row: row.row, kind: 'object', value: row.value };
    case 'unreadable':
      return row.column === undefined ? { row: row.row, kind: 'unreadable', reason: row.reason } : { row: row.row, kind: 'unreadable', reason: row.reason, column: row.column };
  }
}
