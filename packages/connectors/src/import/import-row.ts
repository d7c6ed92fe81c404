/**
 * One row of an import file as the readers hand it on: its fields (a CSV record) or its JSON
 * value (a JSONL line), or why it cannot be read at all. `row` is the row number reported to the
 * user (CSV: the header is row 1; JSONL: the line number).
 */
export type ImportRow =
  | { readonly row: number; readonly kind: 'fields'; readonly fields: readonly string[]; readonly bytes: Uint8Array }
  | { readonly row: number; readonly kind: 'object'; readonly value: Readonly<Record<string, unknown>>; readonly bytes: Uint8Array }
  | {
      readonly row: number;
      readonly kind: 'unreadable';
      readonly reason: string;
      /** CSV: the index of the field the problem is in, when it lies in one. */
      readonly column?: number;
      /** The row as text for the rejects file (not UTF-8: shown as Windows-1252). */
      readonly raw: string;
      readonly bytes: Uint8Array;
    };
