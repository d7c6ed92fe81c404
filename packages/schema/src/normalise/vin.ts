import { normalised, rejected, type Normalised } from './result.js';

const vinFormat = /^[A-HJ-NPR-Z0-9]{17}$/;

/**
 * Normalises a vehicle identification number (ISO 3779): upper case, spaces and dashes removed,
 * exactly 17 characters, never I, O or Q. The check digit is only mandatory in North America,
 * so it is not enforced.
 */
export function normaliseVin(raw: string): Normalised<string> {
  const value = raw.replace(/[\s-]/g, '').toUpperCase();
  if (value.length !== 17) return rejected(`must have 17 characters, has ${value.length}`);
  if (/[IOQ]/.test(value)) return rejected('must not contain I, O or Q');
  if (!vinFormat.test(value)) return rejected('may only contain letters and digits');
  return normalised(value);
}
