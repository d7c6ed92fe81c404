/** Input files must be UTF-8; `fatal` makes a stray Latin-1 byte an error instead of a silent U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** How a row that is not UTF-8 is shown in the rejects file: such files are almost always Windows-1252/Latin-1. */
const windows1252 = new TextDecoder('windows-1252');

export const invalidUtf8Reason = 'is not valid UTF-8 (save the file as UTF-8)';

/** The bytes as text, or undefined when they are not valid UTF-8. */
export function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A row's bytes as readable text for the rejects file, whatever their encoding. */
export function rawText(bytes: Uint8Array): string {
  return decodeText(bytes) ?? windows1252.decode(bytes);
}

/** A file saved as UTF-16 reads as garbage in every row: fail once, clearly. */
export function assertNotUtf16(start: Uint8Array): void {
  const [a, b] = [start[0], start[1]];
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) throw new UnreadableFileError('is UTF-16 encoded (save the file as UTF-8)');
}

/** The whole file cannot be read (not one row): the import stops. */
export class UnreadableFileError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnreadableFileError';
  }
}
