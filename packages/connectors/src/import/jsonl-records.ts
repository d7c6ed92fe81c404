import type { ImportRow } from './import-row.js';
import { assertNotUtf16, decodeText, invalidUtf8Reason, rawText } from './text-decoding.js';

const LF = 0x0a;
const CR = 0x0d;

export interface JsonlReaderOptions {
  /** Longest line in bytes (default 1 MiB); a longer one is rejected. */
  readonly maxLineBytes?: number;
}

/**
 * A streaming JSON Lines reader over raw bytes: one JSON object per line, rows numbered by line
 * (blank lines count but are skipped). Each line is checked for UTF-8 on its own bytes.
 */
export class JsonlRecordReader {
  readonly #maxLineBytes: number;
  #pending: Buffer | undefined;
  #line = 0;
  #consumed = 0;
  #discarding = false;
  #started = false;

  constructor(options: JsonlReaderOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  }

  get bytesRead(): number {
    return this.#consumed;
  }

  push(chunk: Buffer, emit: (row: ImportRow) => void): void {
    const buffer = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    this.#read(buffer, false, emit);
  }

  end(emit: (row: ImportRow) => void): void {
    const buffer = this.#pending;
    this.#pending = undefined;
    if (buffer) this.#read(buffer, true, emit);
  }

  #read(buffer: Buffer, final: boolean, emit: (row: ImportRow) => void): void {
    let position = 0;
    if (!this.#started) {
      if (buffer.length < 3 && !final) {
        this.#pending = buffer;
        return;
      }
      assertNotUtf16(buffer);
      this.#started = true;
      if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
        position = 3;
        this.#consumed = 3;
      }
    }
    while (position < buffer.length) {
      const lineEnd = buffer.indexOf(LF, position);
      if (lineEnd === -1 && !final) {
        if (buffer.length - position <= this.#maxLineBytes) {
          this.#pending = buffer.subarray(position);
          return;
        }
        if (!this.#discarding) {
          this.#line += 1;
          const head = buffer.subarray(position, position + 4096);
          emit({ row: this.#line, kind: 'unreadable', reason: `is longer than ${this.#maxLineBytes} bytes`, raw: rawText(head), bytes: Buffer.from(head) });
          this.#discarding = true;
        }
        this.#consumed += buffer.length - position;
        return;
      }
      const next = lineEnd === -1 ? buffer.length : lineEnd + 1;
      this.#consumed += next - position;
      if (this.#discarding) {
        this.#discarding = false;
        position = next;
        continue;
      }
      let stop = lineEnd === -1 ? buffer.length : lineEnd;
      if (stop > position && buffer[stop - 1] === CR) stop -= 1;
      this.#line += 1;
      const bytes = buffer.subarray(position, stop);
      position = next;
      const row = this.#parse(bytes);
      if (row) emit(row);
    }
  }

  #parse(bytes: Buffer): ImportRow | undefined {
    const row = this.#line;
    const text = decodeText(bytes);
    if (text === undefined) return { row, kind: 'unreadable', reason: invalidUtf8Reason, raw: rawText(bytes), bytes: Buffer.from(bytes) };
    if (text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { row, kind: 'unreadable', reason: `is not valid JSON (${(error as Error).message})`, raw: text, bytes: Buffer.from(bytes) };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { row, kind: 'unreadable', reason: 'is not a JSON object', raw: text, bytes: Buffer.from(bytes) };
    }
    return { row, kind: 'object', value: value as Record<string, unknown>, bytes };
  }
}
