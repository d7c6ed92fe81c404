import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** One problem with one row: `field` is the file's column (or the contract path when no column holds it). */
export interface RowIssue {
  readonly row: number;
  readonly field: string;
  readonly reason: string;
  readonly raw: string;
}

/**
 * The rejects file: CSV (UTF-8, with a header) of `row,field,reason,raw`, one line per problem,
 * so a row with two bad fields has two lines. Written as rows are rejected, with backpressure.
 */
export class RejectsFile {
  readonly path: string;
  readonly #stream: WriteStream;
  #failure: Error | undefined;

  private constructor(path: string, stream: WriteStream) {
    this.path = path;
    this.#stream = stream;
    stream.on('error', (error) => {
      this.#failure = error;
    });
  }

  /** Creates (or truncates) the file; fails here, before any row is read, when it cannot be written. */
  static async create(path: string): Promise<RejectsFile> {
    const stream = createWriteStream(path, { flags: 'w' });
    await Promise.race([once(stream, 'open'), once(stream, 'error').then(([error]) => Promise.reject(error as Error))]);
    const file = new RejectsFile(path, stream);
    await file.#write('row,field,reason,raw\n');
    return file;
  }

  async write(issues: readonly RowIssue[]): Promise<void> {
    if (issues.length === 0) return;
    await this.#write(issues.map((issue) => `${issue.row},${csvField(issue.field)},${csvField(issue.reason)},${csvField(issue.raw)}\n`).join(''));
  }

  /** Flushes and closes; rejects when any write failed. */
  async close(): Promise<void> {
    const finished = once(this.#stream, 'finish');
    this.#stream.end();
    if (!this.#failure) await finished.catch((error: unknown) => (this.#failure ??= error as Error));
    if (this.#failure) throw this.#failure;
  }

  async #write(text: string): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (!this.#stream.write(text)) await once(this.#stream, 'drain');
  }
}

/** RFC 4180 quoting: fields with a delimiter, quote or line break are quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
