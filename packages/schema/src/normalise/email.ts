import { z } from 'zod';
import { normalised, rejected, type Normalised } from './result.js';

const emailFormat = z.email();

/** Trims and lower-cases an e-mail address (local parts are case-insensitive in practice at every large provider). */
export function normaliseEmail(raw: string): Normalised<string> {
  const value = raw.trim().toLowerCase();
  if (value === '') return rejected('is empty');
  return emailFormat.safeParse(value).success ? normalised(value) : rejected('is not a valid e-mail address');
}
