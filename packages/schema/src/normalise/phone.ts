import { getCountries, parsePhoneNumberWithError, ParseError, type CountryCode } from 'libphonenumber-js/max';
import { normalised, rejected, type Normalised } from './result.js';

const supportedRegions: ReadonlySet<string> = new Set(getCountries());

export function isPhoneRegion(code: string): code is CountryCode {
  return supportedRegions.has(code);
}

const parseErrorReasons: Record<string, string> = {
  INVALID_COUNTRY: 'has no country calling code and no region to assume',
  NOT_A_NUMBER: 'is not a phone number',
  TOO_SHORT: 'is too short',
  TOO_LONG: 'is too long',
  INVALID_LENGTH: 'has an invalid length',
};

/**
 * Normalises a phone number to E.164. International formats (`+49…`, `0049…`) need no region;
 * a national format (`030 …`) is read in `defaultRegion` and is an error without one (never a guess).
 */
export function normalisePhone(raw: string, defaultRegion?: CountryCode): Normalised<string> {
  const text = raw.trim().replace(/^00\s*(?=[1-9])/, '+');
  if (text === '') return rejected('is empty');
  const international = text.startsWith('+');
  if (!international && !defaultRegion) {
    return rejected('is in national format and no region is known to read it in (use +<country code>…)');
  }
  const assumed = international ? '' : ` (read as a ${defaultRegion} national number)`;
  try {
    const phone = parsePhoneNumberWithError(text, international ? undefined : { defaultCountry: defaultRegion });
    if (!phone.isValid()) return rejected(`is not a valid phone number${assumed}`);
    return normalised(phone.number);
  } catch (error) {
    if (error instanceof ParseError) return rejected(`${parseErrorReasons[error.message] ?? 'is not a phone number'}${assumed}`);
    throw error;
  }
}

/** Every plausible input form of a search term, for lookups "by phone in any format". */
export function phoneSearchKey(raw: string, defaultRegion?: CountryCode): string | undefined {
  const result = normalisePhone(raw, defaultRegion);
  return result.ok ? result.value : undefined;
}
