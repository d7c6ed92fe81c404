import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js/max';
import { isPhoneRegion } from '../normalise/phone.js';
import { normaliseName } from '../normalise/name.js';

/** Party ids are stable slugs chosen at onboarding (`oem`, `dealer-berlin`, `ic-riga`). */
export const partyId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit');
export type PartyId = z.infer<typeof partyId>;

/** Hub-assigned ids are UUIDs. */
export const hubId = z.uuid('must be a UUID');

/** An id in a partner's own system: any non-empty text up to 200 characters. */
export const externalId = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** ISO 3166-1 alpha-2 country code, upper case (`DE`, `LV`, `DK`). */
export const countryCode = z
  .string()
  .transform((value) => value.trim().toUpperCase())
  .refine((value): value is CountryCode => isPhoneRegion(value), { message: 'is not an ISO 3166-1 alpha-2 country code' })
  .transform((value) => value as CountryCode);

const timeZones: ReadonlySet<string> = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

function isIanaTimeZone(value: string): boolean {
  if (timeZones.has(value)) return true;
  try {
    // The list above holds ICU's canonical ids only; IANA links (`Etc/UTC`, `Europe/Kyiv`, which
    // ICU still resolves to `Europe/Kiev`) are valid names too. Intl ignores case, so a mere
    // re-casing of a canonical id (`europe/berlin`) stays rejected.
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    return resolved.toLowerCase() !== value.toLowerCase();
  } catch {
    return false;
  }
}

/** IANA time zone name (`Europe/Riga`), canonical or a link (`Etc/UTC`). */
export const timeZone = z.string().refine(isIanaTimeZone, { message: 'is not an IANA time zone name' });

/** BCP 47 language tag, canonicalised (`de-DE`, `lv`). */
export const languageTag = z.string().transform((value, ctx) => {
  try {
    const [canonical] = Intl.getCanonicalLocales(value.trim());
    if (canonical) return canonical;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'is not a BCP 47 language tag' });
  return z.NEVER;
});

/** A name as people write it, with any diacritics; stored in NFC. */
export const personName = z
  .string()
  .transform(normaliseName)
  .pipe(z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'));

/** ISO 8601 instant with offset; parsed to a Date. */
export const instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset' })
  .transform((value) => new Date(value));

/** ISO 8601 calendar date (`2021-04-30`). */
export const calendarDate = z.iso.date('must be an ISO 8601 date (YYYY-MM-DD)');

/** Brand names as the manufacturer spells them. */
export const brand = z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters');
