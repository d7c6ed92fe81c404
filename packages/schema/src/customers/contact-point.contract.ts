import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js/max';
import { countryCode } from '../common/common.contract.js';
import { normaliseEmail } from '../normalise/email.js';
import { normalisePhone } from '../normalise/phone.js';
import type { Normalised } from '../normalise/result.js';

export const contactLabels = ['mobile', 'home', 'work', 'other'] as const;
export const contactLabel = z.enum(contactLabels);
export type ContactLabel = z.infer<typeof contactLabel>;

/** Adds the normaliser's reason as a zod issue on the value, or passes the canonical value on. */
function normalisedWith<T>(normalise: (raw: string) => Normalised<T>) {
  return (raw: string, ctx: z.RefinementCtx): T => {
    const result = normalise(raw);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(raw)} ${result.reason}` });
    return z.NEVER;
  };
}

export const emailAddress = z.string().transform(normalisedWith(normaliseEmail));

/** A phone number read in `defaultRegion` when it is written in national format. */
export function phoneNumber(defaultRegion?: CountryCode) {
  return z.string().transform(normalisedWith((raw) => normalisePhone(raw, defaultRegion)));
}

const phoneInputSchemas = new Map<string, z.ZodType>();

/**
 * Phone contact point as partners send it. `region` overrides the sender's country for a
 * national-format number; the output `value` is always E.164.
 */
export function phoneContactInput(defaultRegion?: CountryCode) {
  const key = defaultRegion ?? '';
  const cached = phoneInputSchemas.get(key);
  if (cached) return cached as ReturnType<typeof buildPhoneInput>;
  const schema = buildPhoneInput(defaultRegion);
  phoneInputSchemas.set(key, schema);
  return schema;
}

function buildPhoneInput(defaultRegion?: CountryCode) {
  return z
    .object({ value: z.string(), region: countryCode.optional(), label: contactLabel.default('other') })
    .transform((input, ctx) => {
      const region = input.region ?? defaultRegion;
      const result = normalisePhone(input.value, region);
      if (!result.ok) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `${JSON.stringify(input.value)} ${result.reason}` });
        return z.NEVER;
      }
      return { value: result.value, label: input.label };
    });
}

export const phoneContact = z.object({ value: z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be E.164'), label: contactLabel });
export type PhoneContact = z.infer<typeof phoneContact>;

export const emailContact = z.object({ value: emailAddress, label: contactLabel.default('other') });
export type EmailContact = z.output<typeof emailContact>;

export const postalAddress = z.object({
  street: z.string().trim().min(1, 'must not be empty').max(200),
  postalCode: z.string().trim().min(1, 'must not be empty').max(20),
  city: z.string().trim().min(1, 'must not be empty').max(100),
  country: countryCode,
  label: contactLabel.default('home'),
});
export type PostalAddress = z.output<typeof postalAddress>;
