import { RowValidator, type RowInput, type RowOutcome, type ValidationSetup } from './row-validation.js';

/** One chunk of an import's rows for a validation thread (see validation-pool.ts). */
export interface ValidationTask {
  /** The same setup for every chunk of one import: the validator is built once per thread. */
  readonly setup: ValidationSetup;
  readonly rows: readonly RowInput[];
}

let cached: { readonly setup: string; readonly validator: RowValidator } | undefined;

/** Runs in a worker thread: the outcomes of a chunk's rows, in row order. */
export default function validateRows(task: ValidationTask): RowOutcome[] {
  const setup = JSON.stringify(task.setup);
  if (cached?.setup !== setup) cached = { setup, validator: new RowValidator(task.setup) };
  const validator = cached.validator;
  return task.rows.map((row) => validator.validate(row));
}
