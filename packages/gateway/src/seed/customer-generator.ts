import { createHash } from 'node:crypto';
import type { ActivityRecordInput, Channel, ContactLabel, CustomerRecordInput, Direction, VehicleRelation } from '@tandem/schema';
import { normalisePhone } from '@tandem/schema';
import { brands, demoParties, demoPartyProfiles, type DemoCenterId, type DemoDealerId, type DemoPartyId } from './demo-world.js';
import {
  appointmentConfirmation,
  calendarText,
  careOutcomes,
  careTopics,
  dealerOutcomes,
  dealerVisits,
  handoffDescription,
  handoffTitle,
  insurerOutcomes,
  insurerTopics,
  newsletter,
  pickupSms,
  policyRenewal,
  recallLetter,
  reminderSms,
  serviceReminder,
  surveyInvitation,
  webRequests,
  welcomeLetter,
  type Addressee,
  type DemoLanguage,
  type Message,
  type VehicleFacts,
} from './letters.js';
import { countries, dealerLocalities, staffNames, type CountryData, type DemoCountry, type Gender, type Locality } from './names.js';
import { mixSeed, Random, scramble } from './random.js';

/** What fixes a demo world: the same options always give the same customers, phones and VINs. */
export interface DemoWorldOptions {
  readonly seed: number;
  readonly customers: number;
  /** The world's "today": every date lies in the three years before it. */
  readonly now: Date;
}

export const defaultDemoSeed = 20_261_101;
export const defaultDemoNow = new Date('2026-11-01T00:00:00Z');

/** One party's record of a customer, as it would send it (`contact.upserted`). */
export interface DemoSourceRecord {
  readonly party: DemoPartyId;
  /** The party's country: national-format phones in the record are read in it. */
  readonly region: DemoCountry;
  readonly record: CustomerRecordInput & { readonly externalId: string };
  /** When the party stated this version of the record. */
  readonly at: Date;
}

export interface DemoActivity {
  readonly party: DemoPartyId;
  readonly record: ActivityRecordInput;
}

export interface DemoTask {
  readonly creator: DemoPartyId;
  /** The creator's record of the customer. */
  readonly customerExternalId: string;
  readonly externalId: string;
  readonly assignee: DemoDealerId;
  readonly kind: 'callback' | 'lead' | 'service_appointment';
  readonly title: string;
  readonly description: string;
  readonly dueAt: Date;
  readonly status: 'open' | 'completed' | 'rejected';
  readonly onBehalfOf: DemoPartyId | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface DemoConsent {
  readonly party: DemoPartyId;
  readonly customerExternalId: string;
  readonly purpose: 'marketing' | 'service_reminders' | 'surveys' | 'data_sharing';
  readonly channel: Channel | null;
  readonly granted: boolean;
  readonly recordedAt: Date;
  readonly proof: string;
}

/** One customer of the demo world with everything every party knows and did about them. */
export interface DemoCustomer {
  readonly index: number;
  readonly country: DemoCountry;
  readonly homeDealer: DemoDealerId;
  readonly kind: 'person' | 'company';
  /** The name as the customer writes it, with diacritics. */
  readonly displayName: string;
  /** Every party's record, in the order they reach the hub; the home dealer's comes first. */
  readonly sources: readonly DemoSourceRecord[];
  readonly activities: readonly DemoActivity[];
  readonly tasks: readonly DemoTask[];
  readonly consents: readonly DemoConsent[];
  /** The identifying facts, for the world's digest. */
  readonly identity: { readonly phones: readonly string[]; readonly emails: readonly string[]; readonly vins: readonly string[] };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

interface DealerFacts {
  readonly code: string;
  readonly country: DemoCountry;
  readonly language: DemoLanguage;
  readonly utcOffset: number;
  readonly center: DemoCenterId;
  readonly sellsCommercial: boolean;
  readonly weight: number;
}

const dealerFacts: Readonly<Record<DemoDealerId, DealerFacts>> = {
  'dealer-berlin': { code: 'BER', country: 'DE', language: 'de', utcOffset: 1, center: 'ic-baltic', sellsCommercial: true, weight: 27 },
  'dealer-munich': { code: 'MUC', country: 'DE', language: 'de', utcOffset: 1, center: 'ic-baltic', sellsCommercial: false, weight: 23 },
  'dealer-riga': { code: 'RIG', country: 'LV', language: 'lv', utcOffset: 2, center: 'ic-baltic', sellsCommercial: true, weight: 25 },
  'dealer-aarhus': { code: 'AAR', country: 'DK', language: 'da', utcOffset: 1, center: 'ic-nordic', sellsCommercial: true, weight: 25 },
};
const dealerWeights = Object.entries(dealerFacts).map(([id, facts]) => [id as DemoDealerId, facts.weight] as const);

const centerCodes: Readonly<Record<DemoCenterId, string>> = { 'ic-baltic': 'ICB', 'ic-nordic': 'ICN' };
const partyNames = new Map(demoPartyProfiles.map((party) => [party.id, party.name]));
const partyName = (id: DemoPartyId): string => partyNames.get(id) ?? id;

const models: Readonly<Record<string, readonly string[]>> = {
  [brands.nordwagen]: ['Kometa', 'Fjord', 'Aurora', 'Vinda', 'Polaris'],
  [brands.commercial]: ['Transa', 'Cargo', 'Atlas'],
};
const modelCodes: Readonly<Record<string, string>> = { Kometa: 'KM', Fjord: 'FJ', Aurora: 'AR', Vinda: 'VD', Polaris: 'PL', Transa: 'TR', Cargo: 'CG', Atlas: 'AT' };

// ---- VINs (ISO 3779) ------------------------------------------------------------------------

const vinAlphabet = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const vinLetters = [...vinAlphabet];
/** Model-year codes from 2010 (A) on; I, O, Q, U, Z and 0 are never used. */
const modelYearCodes = 'ABCDEFGHJKLMNPRSTVWXY';
const vinValues: Readonly<Record<string, number>> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};
const vinWeights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2] as const;
/** Vehicles per customer are numbered 0–7: serials index × 8 + n stay unique. */
const vehiclesPerCustomer = 8;
/** Plant letter (33 values) × six serial digits: 33 million distinct VINs. */
const vinSerialSpace = 33_000_000;

function vinCheckDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const char = vin.charAt(i);
    const value = /\d/.test(char) ? Number(char) : (vinValues[char] ?? 0);
    sum += value * (vinWeights[i] ?? 0);
  }
  const remainder = sum % 11;
  return remainder === 10 ? 'X' : String(remainder);
}

function makeVin(brand: string, model: string, modelYear: number, serial: number, salt: number, rng: Random): string {
  const wmi = brand === brands.commercial ? 'WNC' : 'WNW';
  const variant = rng.pick(vinLetters) + rng.pick(vinLetters) + rng.pick(vinLetters);
  const unique = scramble(serial, vinSerialSpace, salt);
  const plant = vinAlphabet.charAt(Math.floor(unique / 1_000_000));
  const yearCode = modelYearCodes.charAt(Math.max(0, Math.min(modelYearCodes.length - 1, modelYear - 2010)));
  const draft = `${wmi}${modelCodes[model] ?? 'XX'}${variant}0${yearCode}${plant}${String(unique % 1_000_000).padStart(6, '0')}`;
  return `${draft.slice(0, 8)}${vinCheckDigit(draft)}${draft.slice(9)}`;
}

// ---- Phones -----------------------------------------------------------------------------------

interface GeneratedPhone {
  readonly national: string;
  readonly international: string;
  readonly e164: string;
  readonly label: ContactLabel;
}

const germanMobilePrefixes = ['151', '152', '157', '159', '160', '162', '163', '170', '171', '172', '173', '174', '175', '176', '177', '178', '179'];
/** Latvian mobiles are 2x xxx xxx; 23x blocks are partly unassigned, so they are left out. */
const latvianMobileSecondDigits = ['0', '1', '2', '5', '6', '7', '8', '9'];
/** Danish numbers allocated to mobile operators. */
const danishMobilePrefixes = ['20', '21', '22', '23', '24', '25', '26', '27', '28', '29', '30', '31', '40', '41', '42', '50', '51', '52', '53', '60', '61', '71', '81', '91', '92', '93'];

const danishPairs = (digits: string) => digits.replace(/(\d{2})(?=\d)/g, '$1 ');
const latvianGroups = (digits: string) => `${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5)}`;

function validE164(e164: string): boolean {
  const result = normalisePhone(e164);
  return result.ok && result.value === e164;
}

/**
 * The customer's mobile. The subscriber digits are a bijection of the customer index, so two
 * customers never share a number (a shared number would be a false identity match); the
 * operator prefix and the written format are random. Every number is checked with
 * libphonenumber's full metadata (`isValid`), trying the next prefix if a block is unassigned.
 */
function mobilePhone(country: DemoCountry, index: number, salt: number, rng: Random): GeneratedPhone {
  const start = rng.int(0, 100);
  for (let attempt = 0; attempt < 30; attempt++) {
    const phone = mobileCandidate(country, index, salt, start + attempt, rng);
    if (validE164(phone.e164)) return phone;
  }
  throw new Error(`no valid ${country} mobile number for customer ${index}`);
}

function mobileCandidate(country: DemoCountry, index: number, salt: number, choice: number, rng: Random): GeneratedPhone {
  switch (country) {
    case 'DE': {
      const prefix = germanMobilePrefixes[choice % germanMobilePrefixes.length] ?? '151';
      const subscriber = String(scramble(index, 100_000_000, salt)).padStart(8, '0');
      return {
        national: rng.pick([`0${prefix} ${subscriber}`, `0${prefix}-${subscriber}`, `0${prefix}/${subscriber}`, `0${prefix}${subscriber}`]),
        international: rng.pick([`+49 ${prefix} ${subscriber}`, `+49 ${prefix} ${subscriber.slice(0, 4)} ${subscriber.slice(4)}`, `0049 ${prefix} ${subscriber}`]),
        e164: `+49${prefix}${subscriber}`,
        label: 'mobile',
      };
    }
    case 'LV': {
      const digits = `2${latvianMobileSecondDigits[choice % latvianMobileSecondDigits.length]}${String(scramble(index, 1_000_000, salt)).padStart(6, '0')}`;
      return {
        national: rng.pick([latvianGroups(digits), digits]),
        international: rng.pick([`+371 ${latvianGroups(digits)}`, `+371 ${digits}`, `00371 ${digits}`]),
        e164: `+371${digits}`,
        label: 'mobile',
      };
    }
    case 'DK': {
      // A Danish subscriber part never starts with 0 (xx 0x xx xx is unassigned).
      const digits = `${danishMobilePrefixes[choice % danishMobilePrefixes.length]}${100_000 + scramble(index, 900_000, salt)}`;
      return {
        national: rng.pick([danishPairs(digits), digits]),
        international: rng.pick([`+45 ${danishPairs(digits)}`, `+45 ${digits}`, `0045 ${digits}`]),
        e164: `+45${digits}`,
        label: 'mobile',
      };
    }
  }
}

/** A fixed line in the customer's area (home, or the company's switchboard). Undefined if the block is unassigned. */
function landlinePhone(country: DemoCountry, locality: Locality, index: number, salt: number, label: ContactLabel, rng: Random): GeneratedPhone | undefined {
  let national: string;
  let international: string;
  let e164: string;
  switch (country) {
    case 'DE': {
      // German numbers in these areas have 11 digits with the trunk 0.
      const length = 11 - locality.areaCode.length;
      const space = 8 * 10 ** (length - 1);
      const subscriber = String(2 * 10 ** (length - 1) + scramble(index, space, salt));
      const area = locality.areaCode.slice(1);
      national = rng.pick([`${locality.areaCode} ${subscriber}`, `${locality.areaCode}/${subscriber}`, `(${locality.areaCode}) ${subscriber}`]);
      international = `+49 ${area} ${subscriber}`;
      e164 = `+49${area}${subscriber}`;
      break;
    }
    case 'LV': {
      const digits = `${locality.areaCode}${String(scramble(index, 1_000_000, salt)).padStart(6, '0')}`;
      national = latvianGroups(digits);
      international = `+371 ${latvianGroups(digits)}`;
      e164 = `+371${digits}`;
      break;
    }
    case 'DK': {
      const digits = `${locality.areaCode}${100_000 + scramble(index, 900_000, salt)}`;
      national = danishPairs(digits);
      international = `+45 ${danishPairs(digits)}`;
      e164 = `+45${digits}`;
      break;
    }
  }
  return validE164(e164) ? { national, international, e164, label } : undefined;
}

// ---- Names and e-mail -------------------------------------------------------------------------

const clerkSpelling: Readonly<Record<string, string>> = {
  ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', Ä: 'Ae', Ö: 'Oe', Ü: 'Ue', æ: 'ae', Æ: 'Ae', ø: 'oe', Ø: 'Oe', å: 'aa', Å: 'Aa',
};
const foldedSpelling: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', Æ: 'Ae', ø: 'o', Ø: 'O', œ: 'oe', Œ: 'Oe', đ: 'd', ł: 'l', þ: 'th' };

const withoutMarks = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC');

/** How a keyboard without the letters spells a name: Müller → Mueller, Søren → Soeren, Bērziņš → Berzins. */
export function transliterate(name: string): string {
  return withoutMarks(name.replace(/[äöüßÄÖÜæÆøØåÅ]/g, (letter) => clerkSpelling[letter] ?? letter));
}

/** Diacritics dropped the way `nameKey` folds them (Müller → Muller, Møller → Moller), so both spellings match. */
export function stripDiacritics(name: string): string {
  return withoutMarks(name.replace(/[ßæÆøØœŒđłþ]/g, (letter) => foldedSpelling[letter] ?? letter));
}

const mailboxPart = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

const legalForms = /\b(GmbH & Co\. KG|gGmbH|GmbH|KG|OHG|e\.K\.|SIA|AS|IK|ApS|A\/S)(?=\s|$)/g;

function companyDomain(company: string, tld: string): string {
  const words = transliterate(company.replace(legalForms, '').replace(/["„“]/g, ''));
  return `${mailboxPart(words).slice(0, 40)}.${tld}`;
}

// ---- Time ---------------------------------------------------------------------------------------

/**
 * A moment in business hours (08:00–17:30 local) between `from` and `to`, never on a Sunday
 * (and not on a Saturday unless `saturdays`), never after `latest`.
 */
function businessMoment(rng: Random, from: number, to: number, utcOffset: number, latest: number, saturdays = false): Date {
  const end = Math.max(to, from + DAY);
  const picked = from + Math.floor(rng.float() * (end - from));
  let day = Math.floor(picked / DAY) * DAY;
  const weekday = new Date(day).getUTCDay();
  if (weekday === 0) day += DAY;
  else if (weekday === 6 && !saturdays) day += 2 * DAY;
  let at = day + (rng.int(8 * 60, 17 * 60 + 30) - utcOffset * 60) * 60_000 + rng.int(0, 59) * 1000;
  while (at > latest) at -= 7 * DAY;
  return new Date(at);
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

// ---- The customer -----------------------------------------------------------------------------

interface Person {
  readonly gender: Gender;
  readonly givenName: string;
  readonly familyName: string;
}

interface GeneratedVehicle extends VehicleFacts {
  readonly registrationDate: string;
  readonly registeredAt: number;
  readonly relation: VehicleRelation;
}

/** Lazily yields the world's customers; memory stays flat however many are asked for. */
export function* generateDemoCustomers(options: DemoWorldOptions): Generator<DemoCustomer> {
  for (let index = 0; index < options.customers; index++) yield demoCustomer(options, index);
}

/** SHA-256 over every customer's names, phones, e-mails and VINs: equal digests, equal worlds. */
export function demoWorldDigest(options: DemoWorldOptions): string {
  const hash = createHash('sha256');
  for (const customer of generateDemoCustomers(options)) {
    const { phones, emails, vins } = customer.identity;
    hash.update(`${customer.index}|${customer.homeDealer}|${customer.displayName}|${phones.join(',')}|${emails.join(',')}|${vins.join(',')}\n`);
  }
  return hash.digest('hex');
}

/** Customer number `index` of the world: depends only on the seed, the index and `now`. */
export function demoCustomer(options: Pick<DemoWorldOptions, 'seed' | 'now'>, index: number): DemoCustomer {
  const rng = new Random(mixSeed(options.seed, index));
  const salt = mixSeed(options.seed, -1);
  const nowMs = options.now.getTime();
  const latest = nowMs - HOUR;
  const windowStart = nowMs - 3 * YEAR;

  const dealer = rng.weighted(dealerWeights);
  const facts = dealerFacts[dealer];
  const data: CountryData = countries[facts.country];
  const kind: 'person' | 'company' = rng.chance(0.07) ? 'company' : 'person';
  const gender: Gender = rng.chance(0.5) ? 'female' : 'male';
  const family = rng.pick(data.familyNames);
  const person: Person = { gender, givenName: rng.pick(data.givenNames[gender]), familyName: family[gender] };
  const language: DemoLanguage = rng.chance(0.05) ? 'en' : data.language;
  const locality = rng.pick(dealerLocalities[dealer]);
  const companyName = kind === 'company' ? rng.pick(data.companyNames)(family.male, locality.city) : undefined;
  const addressee: Addressee = { kind, ...person, ...(companyName ? { companyName } : {}) };

  const address = {
    street: streetAddress(facts.country, locality, rng),
    postalCode: rng.pick(locality.postalCodes),
    city: locality.city,
    country: facts.country,
    label: kind === 'company' ? ('work' as const) : ('home' as const),
  };

  const mobile = mobilePhone(facts.country, index, salt, rng);
  const landlineShare = { DE: 0.25, LV: 0.1, DK: 0.05 }[facts.country];
  const landline =
    kind === 'company' || rng.chance(landlineShare)
      ? landlinePhone(facts.country, locality, index, mixSeed(salt, 1), kind === 'company' ? 'work' : 'home', rng)
      : undefined;
  const phones = landline ? [mobile, landline] : [mobile];

  const email = kind === 'company' || rng.chance(0.8) ? emailAddress(data, person, companyName, index, rng) : undefined;

  const vehicles = generateVehicles(kind, facts, index, salt, nowMs, rng);
  const primary = vehicles[0] as GeneratedVehicle;
  const relationStart = Math.max(windowStart, Math.min(...vehicles.map((vehicle) => vehicle.registeredAt)));

  const padded = pad(index, 6);
  const dealerId = `DMS-${facts.code}-${padded}`;
  const oemId = `OEM-${padded}`;
  const center = facts.center;
  const centerId = `${centerCodes[center]}-NW-${padded}`;

  // --- what each party knows -----------------------------------------------------------------
  const dealerAt = new Date(nowMs - rng.int(1, 120) * DAY);
  const oemAt = new Date(Math.min(primary.registeredAt + 2 * DAY, dealerAt.getTime() - DAY));
  const identity = { kind, givenName: person.givenName, familyName: person.familyName, ...(companyName ? { companyName } : {}) };
  const vehicleInputs = vehicles.map(({ vin, brand, model, registrationDate, relation }) => ({ vin, brand, model, registrationDate, relation }));

  const sources: DemoSourceRecord[] = [
    {
      party: dealer,
      region: facts.country,
      at: dealerAt,
      record: {
        externalId: dealerId,
        ...identity,
        // Dealer systems often lack the language; the OEM's CRM fills it in.
        ...(rng.chance(0.7) ? { preferredLanguage: language } : {}),
        phones: phones.map((phone) => ({ value: phone.national, label: phone.label })),
        emails: email ? [{ value: email, label: kind === 'company' ? 'work' : 'home' }] : [],
        addresses: [address],
        vehicles: vehicleInputs,
      },
    },
    oemRecord(oemId, kind, person, companyName, language, mobile, email, address, vehicleInputs, oemAt, rng),
  ];

  const knownToCenter = rng.chance(kind === 'company' ? 0.2 : 0.35);
  if (knownToCenter) {
    sources.push({
      party: center,
      region: center === 'ic-baltic' ? 'LV' : 'DK',
      at: new Date(relationStart + Math.floor(rng.float() * (latest - relationStart))),
      record: {
        externalId: centerId,
        ...identity,
        preferredLanguage: language,
        // Caller ID: what the telephony delivered, already E.164.
        phones: [{ value: mobile.e164, label: 'mobile' }],
        emails: email && rng.chance(0.3) ? [{ value: email, label: 'other' }] : [],
        // Taken on the manufacturer's hotline: the manufacturer's data (as its calls and tasks below).
        onBehalfOf: demoParties.oem,
      },
    });
  }

  const insured = facts.country === 'DK' && kind === 'person' && rng.chance(0.35);
  const insurerId = `FF-${padded}`;
  const insurerCenterId = `ICN-FF-${padded}`;
  const insurerViaCenter = insured && rng.chance(0.5);
  const policyStart = relationStart + Math.floor(rng.float() * Math.max(DAY, latest - relationStart) * 0.5);
  if (insured) {
    sources.push({
      party: demoParties.insurer,
      region: 'DK',
      at: new Date(policyStart),
      record: {
        externalId: insurerId,
        kind: 'person',
        givenName: person.givenName,
        familyName: person.familyName,
        preferredLanguage: language === 'en' ? 'en' : 'da',
        phones: [{ value: mobile.national, label: 'mobile' }],
        emails: email ? [{ value: email, label: 'home' }] : [],
        addresses: [address],
        vehicles: [{ vin: primary.vin, brand: primary.brand, model: primary.model, relation: 'owner' }],
      },
    });
  }
  if (insurerViaCenter) {
    sources.push({
      party: demoParties.icNordic,
      region: 'DK',
      at: new Date(policyStart + DAY),
      record: {
        externalId: insurerCenterId,
        kind: 'person',
        givenName: person.givenName,
        familyName: person.familyName,
        phones: [{ value: mobile.e164, label: 'mobile' }],
        onBehalfOf: demoParties.insurer,
      },
    });
  }

  // --- what each party did ---------------------------------------------------------------------
  const activities: DemoActivity[] = [];
  const tasks: DemoTask[] = [];
  const counters = new Map<string, number>();
  const add = (party: DemoPartyId, customerExternalId: string, fields: Omit<ActivityRecordInput, 'externalId' | 'customerExternalId' | 'occurredAt'> & { occurredAt: Date }) => {
    const count = (counters.get(customerExternalId) ?? 0) + 1;
    counters.set(customerExternalId, count);
    const externalId = `${customerExternalId}-A${pad(count, 2)}`;
    activities.push({ party, record: { ...fields, externalId, customerExternalId, occurredAt: fields.occurredAt.toISOString() } });
    return externalId;
  };
  const moment = (from: number, to = latest, saturdays = false) => businessMoment(rng, from, to, facts.utcOffset, latest, saturdays);
  const dealerName = partyName(dealer);
  const brand = primary.brand;
  const message = (fields: Message) => ({ subject: fields.subject, content: fields.content });

  // The OEM: letters and e-mails in the customer's language, with their text.
  const welcomeAt = primary.registeredAt + 7 * DAY;
  if (welcomeAt >= windowStart && welcomeAt < latest) {
    add(demoParties.oem, oemId, { channel: 'letter', direction: 'outbound', occurredAt: moment(welcomeAt, welcomeAt + DAY), brand, actor: 'Nordwagen CRM', ...message(welcomeLetter(language, addressee, primary, dealerName)) });
  }
  const reminders = rng.int(1, 3);
  for (let i = 0; i < reminders; i++) {
    const at = moment(relationStart);
    const channel = email && rng.chance(0.5) ? 'email' : 'letter';
    add(demoParties.oem, oemId, { channel, direction: 'outbound', occurredAt: at, brand, actor: 'Nordwagen CRM', ...message(serviceReminder(language, addressee, primary, dealerName, new Date(at.getTime() + 30 * DAY))) });
  }
  if (rng.chance(0.25)) {
    const at = moment(relationStart);
    const campaign = `RC-${at.getUTCFullYear()}-${pad(rng.int(1, 40), 3)}`;
    add(demoParties.oem, oemId, { channel: 'letter', direction: 'outbound', occurredAt: at, brand, actor: 'Nordwagen Recall Office', ...message(recallLetter(language, addressee, primary, dealerName, campaign)) });
  }
  if (email && rng.chance(0.45)) {
    add(demoParties.oem, oemId, { channel: 'email', direction: 'outbound', occurredAt: moment(relationStart), brand: brands.nordwagen, actor: 'Nordwagen Marketing', ...message(newsletter(language, addressee, 'Vinda')) });
  }
  if (email && rng.chance(0.3)) {
    add(demoParties.oem, oemId, {
      channel: 'email', direction: 'outbound', occurredAt: moment(relationStart), brand, actor: 'Nordwagen CRM',
      ...(rng.chance(0.5) ? { outcome: `survey completed: ${rng.int(6, 10)}/10` } : {}),
      ...message(surveyInvitation(language, addressee, dealerName)),
    });
  }
  if (rng.chance(0.25)) {
    add(demoParties.oem, oemId, { channel: 'sms', direction: 'outbound', occurredAt: moment(relationStart), brand, actor: 'Nordwagen CRM', ...message(reminderSms(language, primary.model)) });
  }
  if (rng.chance(0.12)) {
    const request = rng.pick(['configurator', 'testDrive', 'contact'] as const);
    const recent = rng.chance(0.5);
    const at = moment(recent ? latest - 20 * DAY : relationStart);
    add(demoParties.oem, oemId, { channel: 'web', direction: 'inbound', occurredAt: at, brand, subject: webRequests[request][language], outcome: request === 'contact' ? 'answered by e-mail' : 'lead passed to dealer' });
    if (request !== 'contact') {
      const dueAt = new Date(at.getTime() + 2 * DAY);
      const open = dueAt.getTime() > nowMs - 5 * DAY;
      tasks.push({
        creator: demoParties.oem, customerExternalId: oemId, externalId: `${oemId}-L${pad(tasks.length + 1, 2)}`, assignee: dealer, kind: 'lead',
        title: handoffTitle(facts.language, 'lead', webRequests[request][facts.language], primary.model),
        description: webRequests[request][facts.language],
        dueAt, status: open ? 'open' : 'completed', onBehalfOf: null, createdAt: at, updatedAt: open ? at : new Date(dueAt.getTime() - DAY),
      });
    }
  }

  // The home dealer: walk-ins, calls, confirmations, field visits.
  const staff = staffNames[dealer];
  const visits = rng.int(1, 3);
  for (let i = 0; i < visits; i++) {
    const visit = rng.pick(['service', 'service', 'tyres', 'testDrive', 'handover'] as const);
    add(dealer, dealerId, {
      channel: 'walk_in', direction: 'inbound', occurredAt: moment(relationStart, latest, true), durationSeconds: rng.int(20, 120) * 60,
      subject: dealerVisits[visit][language], outcome: rng.pick(dealerOutcomes[visit]), actor: rng.pick(staff), brand,
    });
  }
  if (rng.chance(0.5)) {
    add(dealer, dealerId, {
      channel: 'phone', direction: rng.chance(0.5) ? 'outbound' : 'inbound', occurredAt: moment(relationStart), durationSeconds: rng.int(60, 420),
      subject: dealerVisits.appointmentCall[language], outcome: rng.pick(dealerOutcomes.appointmentCall), actor: rng.pick(staff), brand,
    });
  }
  if (email && rng.chance(0.35)) {
    const appointment = moment(latest - 60 * DAY);
    add(dealer, dealerId, {
      channel: 'email', direction: 'outbound', occurredAt: new Date(Math.min(appointment.getTime(), latest) - 3 * DAY), actor: rng.pick(staff), brand,
      ...message(appointmentConfirmation(language, addressee, primary, dealerName, appointment, facts.utcOffset)),
    });
  }
  if (rng.chance(0.2)) {
    add(dealer, dealerId, { channel: 'sms', direction: 'outbound', occurredAt: moment(relationStart), actor: rng.pick(staff), brand, ...message(pickupSms(language, primary.model, dealerName)) });
  }
  const fieldVisits = kind === 'company' ? rng.int(1, 2) : rng.chance(0.06) ? 1 : 0;
  for (let i = 0; i < fieldVisits; i++) {
    const visit = kind === 'company' ? 'fleetReview' : 'homeTestDrive';
    add(dealer, dealerId, {
      channel: 'field_visit', direction: 'outbound', occurredAt: moment(relationStart), durationSeconds: rng.int(45, 150) * 60,
      subject: dealerVisits[visit][language], outcome: rng.pick(dealerOutcomes[visit]), actor: rng.pick(staff), brand,
    });
  }

  // The interaction center, on behalf of the OEM: calls and chats with conversation results,
  // and the cases it hands to the dealer.
  if (knownToCenter) {
    const agents = staffNames[center];
    const contacts = rng.int(1, 3) + (rng.chance(0.2) ? 1 : 0);
    for (let i = 0; i < contacts; i++) {
      // Every fifth center customer has a recent contact, so open handoffs exist in any world.
      const recent = i === 0 && rng.chance(0.2);
      const at = recent ? moment(latest - 10 * DAY) : moment(relationStart, latest, true);
      const topic = rng.pick(careTopics);
      const channel = rng.weighted<Channel>([['phone', 70], ['chat', 18], ['email', 7], ['sms', 5]]);
      const handsOff = topic.handoff !== undefined && (recent || rng.chance(0.4)) && (channel === 'phone' || channel === 'chat');
      const outcome = handsOff ? rng.pick(careOutcomes.handoff) : rng.pick(rng.chance(0.7) ? careOutcomes.resolved : careOutcomes.other);
      const direction: Direction = channel === 'sms' ? 'outbound' : rng.chance(0.8) ? 'inbound' : 'outbound';
      const durationSeconds = channel === 'phone' ? rng.int(45, 1_200) : channel === 'chat' ? rng.int(120, 900) : undefined;
      const callId = add(center, centerId, {
        channel, direction, occurredAt: at, ...(durationSeconds ? { durationSeconds } : {}),
        subject: topic.subject[language], outcome, actor: rng.pick(agents), onBehalfOf: demoParties.oem, brand,
      });
      if (handsOff && topic.handoff) {
        const dueAt = new Date(at.getTime() + rng.int(1, 3) * DAY);
        const open = recent || dueAt.getTime() > nowMs;
        tasks.push({
          creator: center, customerExternalId: centerId, externalId: `${callId}-T`, assignee: dealer, kind: topic.handoff,
          title: handoffTitle(facts.language, topic.handoff, topic.subject[facts.language], primary.model),
          description: handoffDescription(facts.language, partyName(center), outcome, calendarText(facts.language, at)),
          dueAt, status: open ? 'open' : rng.chance(0.9) ? 'completed' : 'rejected', onBehalfOf: demoParties.oem,
          createdAt: at, updatedAt: open ? at : new Date(Math.min(dueAt.getTime(), latest)),
        });
      }
    }
  }

  // The insurer and the center that acts for it: a separate client of ic-nordic.
  if (insured) {
    const insurerLanguage = language === 'en' ? 'en' : 'da';
    const renewals = rng.int(1, 2);
    for (let i = 0; i < renewals; i++) {
      add(demoParties.insurer, insurerId, {
        channel: 'letter', direction: 'outbound', occurredAt: moment(policyStart), brand: brands.insurer, actor: 'Fjord Forsikring Kundeservice',
        ...message(policyRenewal(insurerLanguage, addressee, primary, `FF-BIL-${pad(index, 7)}`, rng.int(38, 96) * 100)),
      });
    }
    if (insurerViaCenter) {
      const calls = rng.int(1, 2);
      for (let i = 0; i < calls; i++) {
        add(demoParties.icNordic, insurerCenterId, {
          channel: 'phone', direction: 'inbound', occurredAt: moment(policyStart + DAY, latest, true), durationSeconds: rng.int(90, 1_500),
          subject: rng.pick(insurerTopics)[insurerLanguage], outcome: rng.pick(insurerOutcomes), actor: rng.pick(staffNames['ic-nordic']),
          onBehalfOf: demoParties.insurer, brand: brands.insurer,
        });
      }
    }
  }

  // --- consents, with how each was captured ----------------------------------------------------
  const consents: DemoConsent[] = [
    {
      party: dealer, customerExternalId: dealerId, purpose: 'data_sharing', channel: null, granted: rng.chance(0.95),
      recordedAt: new Date(relationStart), proof: `signed data-sharing declaration, ${dealerId}, ${dealerName}`,
    },
    {
      party: dealer, customerExternalId: dealerId, purpose: 'service_reminders', channel: 'sms', granted: rng.chance(0.8),
      recordedAt: moment(relationStart), proof: `workshop order form, ${dealerId}`,
    },
  ];
  if (email) {
    consents.push({
      party: demoParties.oem, customerExternalId: oemId, purpose: 'marketing', channel: 'email', granted: rng.chance(0.6),
      recordedAt: moment(relationStart), proof: `preference centre submission ${rng.digits(10)} (double opt-in)`,
    });
  }
  if (knownToCenter && rng.chance(0.5)) {
    consents.push({
      party: center, customerExternalId: centerId, purpose: 'surveys', channel: 'phone', granted: rng.chance(0.7),
      recordedAt: moment(relationStart), proof: `call recording ${centerCodes[center]}-REC-${rng.digits(9)}, consent question at 00:0${rng.int(1, 9)}`,
    });
  }

  return {
    index,
    country: facts.country,
    homeDealer: dealer,
    kind,
    displayName: companyName ?? `${person.givenName} ${person.familyName}`,
    sources,
    activities,
    tasks,
    consents,
    identity: { phones: phones.map((phone) => phone.e164), emails: email ? [email] : [], vins: vehicles.map((vehicle) => vehicle.vin) },
  };
}

function streetAddress(country: DemoCountry, locality: Locality, rng: Random): string {
  const street = rng.pick(locality.streets);
  const number = rng.int(1, country === 'DE' ? 180 : 120);
  switch (country) {
    case 'DE':
      return `${street} ${number}${rng.chance(0.1) ? rng.pick(['a', 'b', 'c']) : ''}`;
    case 'LV':
      // Apartments in Rīga: "Brīvības iela 112-14".
      return rng.chance(locality.city === 'Rīga' ? 0.75 : 0.3) ? `${street} ${number}-${rng.int(1, 60)}` : `${street} ${number}`;
    case 'DK':
      return rng.chance(0.4) ? `${street} ${number}, ${rng.int(1, 5)}. ${rng.pick(['th', 'tv', 'mf'])}` : `${street} ${number}`;
  }
}

/**
 * A mailbox that is the customer's alone (a shared one would merge two customers): the
 * customer number ends the local part. Names are folded to ASCII (Jürgen → juergen or jurgen).
 */
function emailAddress(data: CountryData, person: Person, companyName: string | undefined, index: number, rng: Random): string {
  const fold = data.country === 'LV' || rng.chance(0.4) ? stripDiacritics : transliterate;
  const given = mailboxPart(fold(person.givenName));
  const family = mailboxPart(fold(person.familyName));
  const local = rng.pick([`${given}.${family}`, `${given.charAt(0)}.${family}`, `${family}.${given}`, `${given}${family}`, `${given}_${family}`]);
  const separator = rng.pick(['', '.']);
  const domain = companyName ? companyDomain(companyName, data.companyDomain) : rng.pick(data.emailDomains);
  return `${local}${separator}${index}@${domain}`;
}

function generateVehicles(kind: 'person' | 'company', facts: DealerFacts, index: number, salt: number, nowMs: number, rng: Random): GeneratedVehicle[] {
  const count = kind === 'company' ? rng.int(2, vehiclesPerCustomer) : rng.weighted([[1, 80], [2, 18], [3, 2]]);
  const vehicles: GeneratedVehicle[] = [];
  for (let n = 0; n < count; n++) {
    const commercial = facts.sellsCommercial && rng.chance(kind === 'company' ? 0.8 : 0.08);
    const brand = commercial ? brands.commercial : brands.nordwagen;
    const model = rng.pick(models[brand] ?? []);
    const registeredAt = nowMs - rng.int(30, 9 * 365) * DAY;
    const registered = new Date(registeredAt);
    vehicles.push({
      brand,
      model,
      vin: makeVin(brand, model, registered.getUTCFullYear(), index * vehiclesPerCustomer + n, salt, rng),
      registrationDate: registered.toISOString().slice(0, 10),
      registeredAt,
      relation: kind === 'company' ? 'fleet_manager' : 'owner',
    });
  }
  return vehicles;
}

/**
 * The OEM's copy of the customer: phones in international format, and one of three shapes
 * that exercise identity resolution (VIN; e-mail with a clerk's spelling of the name; phone
 * with diacritics dropped, which `nameKey` still matches).
 */
function oemRecord(
  externalId: string,
  kind: 'person' | 'company',
  person: Person,
  companyName: string | undefined,
  language: DemoLanguage,
  mobile: GeneratedPhone,
  email: string | undefined,
  address: NonNullable<CustomerRecordInput['addresses']>[number],
  vehicles: CustomerRecordInput['vehicles'],
  at: Date,
  rng: Random,
): DemoSourceRecord {
  const shape = kind === 'company' ? 'vin' : rng.weighted<'vin' | 'email' | 'phone'>([['vin', 55], ['email', email ? 25 : 0], ['phone', 20]]);
  const spell = shape === 'email' ? transliterate : shape === 'phone' || rng.chance(0.5) ? stripDiacritics : (name: string) => name;
  return {
    party: demoParties.oem,
    region: 'DE',
    at,
    record: {
      externalId,
      kind,
      givenName: spell(person.givenName),
      familyName: spell(person.familyName),
      ...(companyName ? { companyName: spell(companyName) } : {}),
      preferredLanguage: language,
      phones: [{ value: mobile.international, label: 'mobile' }],
      emails: email && shape !== 'phone' ? [{ value: email, label: kind === 'company' ? 'work' : 'home' }] : [],
      addresses: shape === 'vin' || rng.chance(0.5) ? [address] : [],
      vehicles: shape === 'vin' ? vehicles : [],
    },
  };
}
