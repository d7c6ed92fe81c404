/** Canonical display form of a name: Unicode NFC, trimmed, inner white space collapsed. */
export function normaliseName(raw: string): string {
  return raw.normalize('NFC').trim().replace(/\s+/g, ' ');
}

const foldedLetters: Record<string, string> = { ß: 'ss', æ: 'ae', ø: 'o', œ: 'oe', đ: 'd', ł: 'l', þ: 'th' };

/**
 * Matching key of a name: lower case, diacritics removed (ā→a, č→c, ņ→n), ß/æ/ø folded.
 * Two names are compatible for identity resolution when their keys are equal.
 */
export function nameKey(raw: string): string {
  return normaliseName(raw)
    .toLowerCase()
    .replace(/[ßæøœđłþ]/g, (letter) => foldedLetters[letter] ?? letter)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N} ]/gu, '');
}
