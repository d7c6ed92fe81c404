import { describe, expect, it } from 'vitest';
import { CsvRecordReader } from '../src/import/csv-records.js';
import { JsonlRecordReader } from '../src/import/jsonl-records.js';
import type { ImportRow } from '../src/import/import-row.js';

type Reader = { push(chunk: Buffer, emit: (row: ImportRow) => void): void; end(emit: (row: ImportRow) => void): void; readonly bytesRead: number };

/** Rows as plain values, the file fed in chunks of `size` bytes. */
function read(reader: Reader, bytes: Buffer, size = bytes.length) {
  const rows: unknown[] = [];
  const emit = (row: ImportRow) =>
    rows.push(
      row.kind === 'fields'
        ? { row: row.row, fields: [...row.fields] }
        : row.kind === 'object'
          ? { row: row.row, value: row.value }
          : { row: row.row, reason: row.reason, column: row.column, raw: row.raw },
    );
  for (let start = 0; start < bytes.length; start += size) reader.push(bytes.subarray(start, start + size), emit);
  reader.end(emit);
  expect(reader.bytesRead).toBe(bytes.length);
  return rows;
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('CSV reader', () => {
  const file = Buffer.concat([
    utf8('\ufeffexternalId,familyName,street\r\n'),
    utf8('K-1,Müller,"Hauptstraße 5\nHinterhaus"\r\n'),
    utf8('K-2,"Ozoliņa, Līga","Brīvības iela ""Centrs"""\r\n'),
    utf8('K-3,Jør"gensen,Nørrebrogade 1\r\n'),
    utf8('\r\n'),
    latin1('K-4,Jäger,Schloßallee 2\r\n'),
    utf8('K-5,"Kjær"x,Åboulevard 3\r\n'),
    utf8('K-6,"Møller,Vestergade 9\r\n'),
    utf8('K-7,Bērziņš,Tērbatas iela 14'),
  ]);
  const expected = [
    { row: 1, fields: ['externalId', 'familyName', 'street'] },
    { row: 2, fields: ['K-1', 'Müller', 'Hauptstraße 5\nHinterhaus'] },
    { row: 3, fields: ['K-2', 'Ozoliņa, Līga', 'Brīvības iela "Centrs"'] },
    { row: 4, reason: 'has a quote inside an unquoted field (quote the whole field and double the quote: "")', column: 1, raw: 'K-3,Jør"gensen,Nørrebrogade 1' },
    // Row 5 is the blank line: counted like a spreadsheet row, but no record.
    { row: 6, reason: 'is not valid UTF-8 (save the file as UTF-8)', column: 1, raw: 'K-4,Jäger,Schloßallee 2' },
    { row: 7, reason: 'has text after a closing quote (double a quote inside a quoted field: "")', column: 1, raw: 'K-5,"Kjær"x,Åboulevard 3' },
    // The quote opened on row 8 is never closed: row 8 is rejected up to its line end and reading goes on.
    { row: 8, reason: 'has a quote that is never closed', column: 1, raw: 'K-6,"Møller,Vestergade 9' },
    { row: 9, fields: ['K-7', 'Bērziņš', 'Tērbatas iela 14'] },
  ];

  it('reads records with quoted line breaks, doubled quotes and a BOM, and rejects broken rows by their number', () => {
    expect(read(new CsvRecordReader(), file)).toEqual(expected);
  });

  it('gives the same rows however the bytes are split into chunks (every split point)', () => {
    for (const size of [1, 2, 3, 5, 7, 13, 64]) expect(read(new CsvRecordReader(), file, size), `chunks of ${size} bytes`).toEqual(expected);
  });

  it('reads another delimiter', () => {
    expect(read(new CsvRecordReader({ delimiter: ';' }), utf8('Kundennr;Name\nD-1;"Østergård; Søren"\n'))).toEqual([
      { row: 1, fields: ['Kundennr', 'Name'] },
      { row: 2, fields: ['D-1', 'Østergård; Søren'] },
    ]);
  });

  it('rejects a record longer than the limit and reads the next line', () => {
    const rows = read(new CsvRecordReader({ maxRecordBytes: 64 }), utf8(`a,b\n1,"${'x'.repeat(100)}\n2,ok\n`), 16);
    expect(rows).toEqual([
      { row: 1, fields: ['a', 'b'] },
      // Memory stays bounded: the over-long line is shown as far as it was held.
      { row: 2, reason: 'is longer than 64 bytes (a quote that is never closed?)', column: undefined, raw: expect.stringMatching(/^1,"x{60,}$/) },
      { row: 3, fields: ['2', 'ok'] },
    ]);
  });

  it('refuses a UTF-16 file as a whole', () => {
    expect(() => read(new CsvRecordReader(), Buffer.from('\ufeffa,b\n', 'utf16le'))).toThrow('is UTF-16 encoded (save the file as UTF-8)');
  });
});

describe('JSONL reader', () => {
  const file = Buffer.concat([
    utf8('{"externalId":"L-1","familyName":"Bērziņš"}\r\n'),
    utf8('\n'),
    latin1('{"externalId":"L-2","familyName":"Jäger"}\n'),
    utf8('{"externalId":"L-3",\n'),
    utf8('[1,2]\n'),
    utf8('{"externalId":"L-4","familyName":"Kalniņa"}'),
  ]);

  it('numbers rows by line and rejects lines that are not UTF-8, not JSON or not an object', () => {
    for (const size of [1, 4, 1000]) {
      const rows = read(new JsonlRecordReader(), file, size) as { row: number; reason?: string }[];
      expect(rows.map((row) => [row.row, row.reason ?? 'ok'])).toEqual([
        [1, 'ok'],
        [3, 'is not valid UTF-8 (save the file as UTF-8)'],
        [4, expect.stringMatching(/^is not valid JSON/)],
        [5, 'is not a JSON object'],
        [6, 'ok'],
      ]);
      expect(rows[0]).toEqual({ row: 1, value: { externalId: 'L-1', familyName: 'Bērziņš' } });
    }
  });
});
