import type { ImportRow } from './import-row.js';
import { assertNotUtf16, decodeText, invalidUtf8Reason, rawText } from './text-decoding.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export interface CsvReaderOptions {
  /** Field delimiter: one ASCII character (default `,`; German spreadsheet exports often use `;`). */
  readonly delimiter?: string;
  /** Longest record in bytes (default 1 MiB); a longer one is rejected and reading continues on the next line. */
  readonly maxRecordBytes?: number;
}

/** One record's structure: where its fields lie in the buffer, or why it cannot be read. */
type Scan =
  | { readonly kind: 'record'; readonly end: number; readonly fields: readonly FieldSpan[] }
  | { readonly kind: 'broken'; readonly reason: string; readonly column: number }
  /** The buffer ends inside the record: more bytes are needed. */
  | { readonly kind: 'incomplete' };

interface FieldSpan {
  readonly start: number;
  readonly end: number;
  /** Only bytes below 0x80: no UTF-8 check needed. */
  readonly ascii: boolean;
  /** Quoted with doubled quotes inside (`""` stands for `"`). */
  readonly escaped: boolean;
}

/**
 * A streaming RFC 4180 reader over raw bytes: `push` chunks in file order, `end` at the end of the
 * file; every record comes out as an {@link ImportRow} (the first one is the header).
 *
 * Rows are numbered like a spreadsheet: the header is row 1, and a row is a record (a quoted field
 * may span lines). Bytes are checked per row, so a row saved in another encoding (Latin-1 `ä`) is
 * rejected with its number while the rest of the file is read. A row with broken quoting — a quote
 * inside an unquoted field, text after a closing quote, or a quote that is never closed — is
 * rejected up to the end of its first line, and reading resumes on the next line, so one stray
 * quote never swallows the rows after it.
 *
 * Memory is bounded by the chunk size plus one record (`maxRecordBytes`).
 */
export class CsvRecordReader {
  readonly #delimiter: number;
  readonly #maxRecordBytes: number;
  #pending: Buffer | undefined;
  #row = 0;
  #started = false;
  /** Bytes of the file fully read into rows. */
  #consumed = 0;
  /** Inside an over-long line: skip to its end. */
  #discarding = false;

  constructor(options: CsvReaderOptions = {}) {
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) >= 0x80 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new RangeError(`the delimiter must be one ASCII character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
    }
    this.#delimiter = delimiter.charCodeAt(0);
    this.#maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024;
  }

  /** Bytes of the file read into rows so far (for progress). */
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
        this.#consumed += 3;
      }
    }
    const length = buffer.length;
    while (position < length) {
      if (this.#discarding) {
        const lineEnd = buffer.indexOf(LF, position);
        const next = lineEnd === -1 ? length : lineEnd + 1;
        this.#consumed += next - position;
        position = next;
        if (lineEnd !== -1) this.#discarding = false;
        continue;
      }
      const start = position;
      const scan = scanRecord(buffer, start, this.#delimiter, final);
      if (scan.kind === 'incomplete') {
        if (length - start <= this.#maxRecordBytes) {
          this.#pending = buffer.subarray(start);
          return;
        }
        position = this.#rejectFirstLine(buffer, start, `is longer than ${this.#maxRecordBytes} bytes (a quote that is never closed?)`, undefined, emit);
        continue;
      }
      if (scan.kind === 'broken') {
        // The row is rejected up to its line end: wait for the line end unless the line is over-long.
        if (!final && buffer.indexOf(LF, start) === -1 && length - start <= this.#maxRecordBytes) {
          this.#pending = buffer.subarray(start);
          return;
        }
        position = this.#rejectFirstLine(buffer, start, scan.reason, scan.column, emit);
        continue;
      }
      this.#row += 1;
      const end = scan.end;
      this.#consumed += end - start;
      position = end;
      const bytes = buffer.subarray(start, trimLineEnd(buffer, start, end));
      // An empty line is a row of the sheet but no record.
      if (scan.fields.length === 1 && bytes.length === 0) continue;
      emit(this.#decode(bytes, buffer, scan.fields));
    }
  }

  /** Rejects the record starting at `start` up to the end of its first line; returns where reading resumes. */
  #rejectFirstLine(buffer: Buffer, start: number, reason: string, column: number | undefined, emit: (row: ImportRow) => void): number {
    this.#row += 1;
    const lineEnd = buffer.indexOf(LF, start);
    const next = lineEnd === -1 ? buffer.length : lineEnd + 1;
    const limit = Math.min(trimLineEnd(buffer, start, next), start + 4096);
    if (lineEnd === -1 && next - start > this.#maxRecordBytes) this.#discarding = true;
    this.#consumed += next - start;
    emit({ row: this.#row, kind: 'unreadable', reason, ...(column === undefined ? {} : { column }), raw: rawText(buffer.subarray(start, limit)), bytes: Buffer.from(buffer.subarray(start, limit)) });
    return next;
  }

  #decode(bytes: Buffer, buffer: Buffer, spans: readonly FieldSpan[]): ImportRow {
    const fields: string[] = new Array<string>(spans.length);
    for (let index = 0; index < spans.length; index++) {
      const span = spans[index]!;
      const text = span.ascii ? buffer.toString('latin1', span.start, span.end) : decodeText(buffer.subarray(span.start, span.end));
      if (text === undefined) {
        return { row: this.#row, kind: 'unreadable', reason: invalidUtf8Reason, column: index, raw: rawText(bytes), bytes: Buffer.from(bytes) };
      }
      fields[index] = span.escaped ? text.replaceAll('""', '"') : text;
    }
    return { row: this.#row, kind: 'fields', fields, bytes };
  }
}

function trimLineEnd(buffer: Buffer, start: number, end: number): number {
  let stop = end;
  if (stop > start && buffer[stop - 1] === LF) stop -= 1;
  if (stop > start && buffer[stop - 1] === CR) stop -= 1;
  return stop;
}

/**
 * Finds the fields of the record at `start`. Quotes open a field only at its start; inside a
 * quoted field `""` is a quote and line breaks are content. With `final`, the buffer is the rest
 * of the file.
 */
function scanRecord(buffer: Buffer, start: number, delimiter: number, final: boolean): Scan {
  const length = buffer.length;
  const fields: FieldSpan[] = [];
  let position = start;
  for (;;) {
    if (position < length && buffer[position] === QUOTE) {
      const contentStart = position + 1;
      let search = contentStart;
      let escaped = false;
      let closing: number;
      for (;;) {
        const quote = buffer.indexOf(QUOTE, search);
        if (quote === -1) {
          return final ? { kind: 'broken', reason: 'has a quote that is never closed', column: fields.length } : { kind: 'incomplete' };
        }
        if (quote + 1 >= length && !final) return { kind: 'incomplete' };
        if (buffer[quote + 1] === QUOTE) {
          escaped = true;
          search = quote + 2;
          continue;
        }
        closing = quote;
        break;
      }
      fields.push({ start: contentStart, end: closing, ascii: false, escaped });
      position = closing + 1;
      if (position < length && buffer[position] !== delimiter && buffer[position] !== LF) {
        const lineEnd = buffer[position] === CR ? position + 1 : -1;
        if (lineEnd !== -1 && lineEnd >= length && !final) return { kind: 'incomplete' };
        if (lineEnd === -1 || (lineEnd < length && buffer[lineEnd] !== LF)) {
          return { kind: 'broken', reason: 'has text after a closing quote (double a quote inside a quoted field: "")', column: fields.length - 1 };
        }
        position = lineEnd;
      }
    } else {
      let ascii = 0;
      let stop = position;
      for (; stop < length; stop++) {
        const byte = buffer[stop]!;
        if (byte === delimiter || byte === LF) break;
        if (byte === QUOTE) {
          return { kind: 'broken', reason: 'has a quote inside an unquoted field (quote the whole field and double the quote: "")', column: fields.length };
        }
        ascii |= byte;
      }
      if (stop >= length && !final) return { kind: 'incomplete' };
      const end = stop > position && buffer[stop - 1] === CR && (stop >= length || buffer[stop] === LF) ? stop - 1 : stop;
      fields.push({ start: position, end, ascii: ascii < 0x80, escaped: false });
      position = stop;
    }
    if (position >= length) return { kind: 'record', end: length, fields };
    if (buffer[position] === delimiter) {
      position += 1;
      continue;
    }
    // A line feed ends the record.
    return { kind: 'record', end: position + 1, fields };
  }
}
