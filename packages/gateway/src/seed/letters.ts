/**
 * What the demo world's parties write to and talk with their customers about, in the customer's
 * language: letters and e-mails with their text, subjects of calls, visits and chats, and the
 * handoff tasks' titles in the dealer's language.
 */
import type { Gender } from './names.js';

export type DemoLanguage = 'de' | 'lv' | 'da' | 'en';

export interface Addressee {
  readonly kind: 'person' | 'company';
  readonly gender: Gender;
  readonly givenName: string;
  readonly familyName: string;
  readonly companyName?: string;
}

export interface Message {
  readonly subject: string;
  readonly content: string;
}

const pad = (value: number) => String(value).padStart(2, '0');

/** `12.03.2026`: how all four markets write a date in a letter (Latvian adds a final dot). */
export function calendarText(language: DemoLanguage, at: Date): string {
  const text = `${pad(at.getUTCDate())}.${pad(at.getUTCMonth() + 1)}.${at.getUTCFullYear()}`;
  return language === 'lv' ? `${text}.` : language === 'en' ? at.toISOString().slice(0, 10) : text;
}

export function clockText(at: Date, offsetHours: number): string {
  return `${pad((at.getUTCHours() + offsetHours) % 24)}:${pad(at.getUTCMinutes())}`;
}

function salutation(language: DemoLanguage, to: Addressee): string {
  if (to.kind === 'company') {
    return { de: 'Sehr geehrte Damen und Herren,', lv: 'Labdien!', da: 'Kære kunde', en: 'Dear Sir or Madam,' }[language];
  }
  const female = to.gender === 'female';
  switch (language) {
    case 'de':
      return female ? `Sehr geehrte Frau ${to.familyName},` : `Sehr geehrter Herr ${to.familyName},`;
    case 'lv':
      return female ? `Cienījamā ${to.givenName} ${to.familyName}!` : `Cienījamais ${to.givenName} ${to.familyName}!`;
    case 'da':
      return `Kære ${to.givenName} ${to.familyName}`;
    case 'en':
      return female ? `Dear Ms ${to.familyName},` : `Dear Mr ${to.familyName},`;
  }
}

const oemClosing: Readonly<Record<DemoLanguage, string>> = {
  de: 'Mit freundlichen Grüßen\nIhr Nordwagen Kundenservice\nNordwagen AG · Kundenbetreuung · 30159 Hannover',
  lv: 'Ar cieņu\nNordwagen klientu apkalpošanas centrs',
  da: 'Med venlig hilsen\nNordwagen Kundeservice',
  en: 'Kind regards\nNordwagen Customer Care',
};

const dealerClosing: Readonly<Record<DemoLanguage, (dealer: string) => string>> = {
  de: (dealer) => `Mit freundlichen Grüßen\nIhr Serviceteam\n${dealer}`,
  lv: (dealer) => `Ar cieņu\nServisa komanda\n${dealer}`,
  da: (dealer) => `Med venlig hilsen\nServiceteamet\n${dealer}`,
  en: (dealer) => `Kind regards\nYour service team\n${dealer}`,
};

/** German continues the salutation's sentence in lower case; Latvian, Danish and English start anew. */
const letter = (language: DemoLanguage, to: Addressee, body: string, closing: string): string =>
  `${salutation(language, to)}\n\n${language === 'de' ? body : body.charAt(0).toUpperCase() + body.slice(1)}\n\n${closing}`;

export interface VehicleFacts {
  readonly brand: string;
  readonly model: string;
  readonly vin: string;
}

export function welcomeLetter(language: DemoLanguage, to: Addressee, car: VehicleFacts, dealer: string): Message {
  const body = {
    de: `herzlich willkommen in der Nordwagen-Familie! Mit Ihrem neuen ${car.brand} ${car.model} (FIN ${car.vin}) haben Sie sich für Qualität aus Norddeutschland entschieden. Ihr Ansprechpartner für Wartung und Garantie ist ${dealer}. Unseren Kundenservice erreichen Sie montags bis freitags von 8 bis 18 Uhr.`,
    lv: `sveicam Nordwagen ģimenē! Ar jauno ${car.brand} ${car.model} (VIN ${car.vin}) esat izvēlējies kvalitāti. Par apkopi un garantiju jums palīdzēs ${dealer}. Mūsu klientu serviss ir pieejams darbdienās no 8 līdz 18.`,
    da: `velkommen i Nordwagen-familien! Med din nye ${car.brand} ${car.model} (stelnummer ${car.vin}) har du valgt kvalitet. Din kontakt for service og garanti er ${dealer}. Vores kundeservice har åbent mandag til fredag kl. 8–18.`,
    en: `welcome to the Nordwagen family! With your new ${car.brand} ${car.model} (VIN ${car.vin}) you have chosen quality. ${dealer} is your partner for service and warranty. Our customer care team is available Monday to Friday, 8 am to 6 pm.`,
  }[language];
  const subject = { de: `Willkommen bei Nordwagen, Ihr ${car.model}`, lv: `Laipni lūdzam Nordwagen: jūsu ${car.model}`, da: `Velkommen til Nordwagen: din ${car.model}`, en: `Welcome to Nordwagen: your ${car.model}` }[language];
  return { subject, content: letter(language, to, body, oemClosing[language]) };
}

export function serviceReminder(language: DemoLanguage, to: Addressee, car: VehicleFacts, dealer: string, due: Date): Message {
  const date = calendarText(language, due);
  const body = {
    de: `Ihr ${car.model} (FIN ${car.vin}) ist bis zum ${date} zur Inspektion fällig. Vereinbaren Sie jetzt einen Termin bei ${dealer} – auf Wunsch mit kostenlosem Ersatzwagen.`,
    lv: `jūsu ${car.model} (VIN ${car.vin}) kārtējā apkope jāveic līdz ${date} Piesakieties vizītei pie ${dealer} – pēc pieprasījuma ar bezmaksas maiņas auto.`,
    da: `din ${car.model} (stelnummer ${car.vin}) skal til eftersyn senest ${date}. Book en tid hos ${dealer} – gerne med gratis lånebil.`,
    en: `your ${car.model} (VIN ${car.vin}) is due for its inspection by ${date}. Book an appointment with ${dealer}, with a free courtesy car if you wish.`,
  }[language];
  const subject = { de: `Inspektion fällig: ${car.model}`, lv: `Apkopes termiņš: ${car.model}`, da: `Tid til eftersyn: ${car.model}`, en: `Inspection due: ${car.model}` }[language];
  return { subject, content: letter(language, to, body, oemClosing[language]) };
}

export function recallLetter(language: DemoLanguage, to: Addressee, car: VehicleFacts, dealer: string, campaign: string): Message {
  const body = {
    de: `bei Ihrem ${car.brand} ${car.model} (FIN ${car.vin}) muss im Rahmen der Rückrufaktion ${campaign} die Befestigung des Bremskraftverstärkers überprüft werden. Die Überprüfung ist für Sie kostenlos und dauert etwa eine Stunde. Bitte vereinbaren Sie einen Termin bei ${dealer}.`,
    lv: `jūsu ${car.brand} ${car.model} (VIN ${car.vin}) atsaukšanas kampaņas ${campaign} ietvaros jāpārbauda bremžu pastiprinātāja stiprinājums. Pārbaude jums ir bezmaksas un ilgst apmēram vienu stundu. Lūdzu, piesakieties vizītei pie ${dealer}.`,
    da: `på din ${car.brand} ${car.model} (stelnummer ${car.vin}) skal bremseforstærkerens beslag kontrolleres som led i tilbagekaldelse ${campaign}. Kontrollen er gratis og tager cirka en time. Book venligst en tid hos ${dealer}.`,
    en: `as part of recall campaign ${campaign}, the brake booster mounting of your ${car.brand} ${car.model} (VIN ${car.vin}) must be checked. The check is free of charge and takes about one hour. Please book an appointment with ${dealer}.`,
  }[language];
  const subject = { de: `Rückrufaktion ${campaign}: ${car.model}`, lv: `Atsaukšanas kampaņa ${campaign}: ${car.model}`, da: `Tilbagekaldelse ${campaign}: ${car.model}`, en: `Recall ${campaign}: ${car.model}` }[language];
  return { subject, content: letter(language, to, body, oemClosing[language]) };
}

export function newsletter(language: DemoLanguage, to: Addressee, model: string): Message {
  const body = {
    de: `der neue ${model} ist da: mehr Reichweite, ein leiseres Fahrwerk und ein Jahr kostenloses Laden mit der Nordwagen-Charge-Karte. Vereinbaren Sie eine Probefahrt bei Ihrem Händler.`,
    lv: `jaunais ${model} ir klāt: lielāks nobraukums, klusāka balstiekārta un gads bezmaksas uzlādes ar Nordwagen Charge karti. Piesakieties testa braucienam pie sava dīlera.`,
    da: `den nye ${model} er her: længere rækkevidde, et mere støjsvagt undervogn og et års gratis opladning med Nordwagen Charge-kortet. Book en prøvetur hos din forhandler.`,
    en: `the new ${model} has arrived: more range, a quieter chassis and one year of free charging with the Nordwagen Charge card. Book a test drive with your dealer.`,
  }[language];
  const subject = { de: `Neu: der ${model}`, lv: `Jaunums: ${model}`, da: `Nyhed: den nye ${model}`, en: `New: the ${model}` }[language];
  return { subject, content: letter(language, to, body, oemClosing[language]) };
}

export function surveyInvitation(language: DemoLanguage, to: Addressee, dealer: string): Message {
  const body = {
    de: `vielen Dank für Ihren Besuch bei ${dealer}. Wie zufrieden waren Sie? Die Umfrage dauert zwei Minuten.`,
    lv: `paldies par apmeklējumu ${dealer}. Cik apmierināts bijāt? Aptauja aizņems divas minūtes.`,
    da: `tak for dit besøg hos ${dealer}. Hvor tilfreds var du? Undersøgelsen tager to minutter.`,
    en: `thank you for visiting ${dealer}. How satisfied were you? The survey takes two minutes.`,
  }[language];
  const subject = { de: 'Wie war Ihr Werkstattbesuch?', lv: 'Kā jums patika servisa apmeklējums?', da: 'Hvordan var dit værkstedsbesøg?', en: 'How was your workshop visit?' }[language];
  return { subject, content: letter(language, to, body, oemClosing[language]) };
}

export function appointmentConfirmation(language: DemoLanguage, to: Addressee, car: VehicleFacts, dealer: string, at: Date, offsetHours: number): Message {
  const date = calendarText(language, at);
  const time = clockText(at, offsetHours);
  const body = {
    de: `wir bestätigen Ihren Werkstatttermin am ${date} um ${time} Uhr für Ihren ${car.model}. Bitte bringen Sie das Serviceheft und den Zweitschlüssel mit.`,
    lv: `apstiprinām jūsu servisa vizīti ${date} plkst. ${time} jūsu ${car.model}. Lūdzu, paņemiet līdzi servisa grāmatiņu un rezerves atslēgu.`,
    da: `vi bekræfter din værkstedstid den ${date} kl. ${time} til din ${car.model}. Husk servicebogen og reservenøglen.`,
    en: `we confirm your workshop appointment on ${date} at ${time} for your ${car.model}. Please bring the service book and the spare key.`,
  }[language];
  const subject = { de: `Terminbestätigung ${date}`, lv: `Vizītes apstiprinājums ${date}`, da: `Bekræftelse af tid ${date}`, en: `Appointment confirmed for ${date}` }[language];
  return { subject, content: letter(language, to, body, dealerClosing[language](dealer)) };
}

export function pickupSms(language: DemoLanguage, model: string, dealer: string): Message {
  const content = {
    de: `Ihr ${model} ist fertig und kann bei ${dealer} abgeholt werden. Öffnungszeiten: Mo–Fr bis 18 Uhr.`,
    lv: `Jūsu ${model} ir gatavs un to var saņemt ${dealer}. Darba laiks: P–Pk līdz 19.00.`,
    da: `Din ${model} er klar til afhentning hos ${dealer}. Åbent man–tor til kl. 17.`,
    en: `Your ${model} is ready for collection at ${dealer}.`,
  }[language];
  const subject = { de: 'Fahrzeug abholbereit', lv: 'Automašīna gatava', da: 'Bilen er klar', en: 'Car ready for collection' }[language];
  return { subject, content };
}

export function reminderSms(language: DemoLanguage, model: string): Message {
  const content = {
    de: `Nordwagen: Ihr ${model} ist bald zur Inspektion fällig. Jetzt Termin vereinbaren: nordwagen.de/service`,
    lv: `Nordwagen: drīz jāveic jūsu ${model} apkope. Piesakieties: nordwagen.lv/serviss`,
    da: `Nordwagen: din ${model} skal snart til eftersyn. Book tid: nordwagen.dk/service`,
    en: `Nordwagen: your ${model} is due for an inspection soon. Book now: nordwagen.com/service`,
  }[language];
  const subject = { de: 'Erinnerung Inspektion', lv: 'Atgādinājums par apkopi', da: 'Påmindelse om eftersyn', en: 'Inspection reminder' }[language];
  return { subject, content };
}

export function policyRenewal(language: 'da' | 'en', to: Addressee, car: VehicleFacts, policy: string, premium: number): Message {
  const closing = language === 'da' ? 'Med venlig hilsen\nFjord Forsikring A/S' : 'Kind regards\nFjord Forsikring A/S';
  const amount = language === 'da' ? `${premium.toLocaleString('da-DK')} kr.` : `DKK ${premium.toLocaleString('en-GB')}`;
  const body =
    language === 'da'
      ? `din bilforsikring ${policy} for ${car.brand} ${car.model} fornyes automatisk. Den årlige præmie bliver ${amount}. Kontakt os, hvis du har spørgsmål til dækningen.`
      : `your car insurance ${policy} for the ${car.brand} ${car.model} renews automatically. The annual premium will be ${amount}. Contact us if you have questions about your cover.`;
  const subject = language === 'da' ? `Fornyelse af bilforsikring ${policy}` : `Renewal of car insurance ${policy}`;
  return { subject, content: letter(language, to, body, closing) };
}

type Topic = Readonly<Record<DemoLanguage, string>>;

/** Why customers call or chat with the interaction center for the OEM. */
export const careTopics: readonly { readonly subject: Topic; readonly handoff?: 'callback' | 'lead' | 'service_appointment' }[] = [
  { subject: { de: 'Frage zur Inspektion', lv: 'Jautājums par apkopi', da: 'Spørgsmål om eftersyn', en: 'Question about the inspection' }, handoff: 'service_appointment' },
  { subject: { de: 'Rückrufaktion', lv: 'Atsaukšanas kampaņa', da: 'Tilbagekaldelse', en: 'Recall campaign' }, handoff: 'service_appointment' },
  { subject: { de: 'Probefahrt gewünscht', lv: 'Vēlas testa braucienu', da: 'Ønsker prøvetur', en: 'Test drive request' }, handoff: 'lead' },
  { subject: { de: 'Beschwerde über Werkstatt', lv: 'Sūdzība par servisu', da: 'Klage over værkstedet', en: 'Complaint about the workshop' }, handoff: 'callback' },
  { subject: { de: 'Garantieanfrage', lv: 'Garantijas jautājums', da: 'Garantispørgsmål', en: 'Warranty question' }, handoff: 'callback' },
  { subject: { de: 'Pannenhilfe', lv: 'Palīdzība uz ceļa', da: 'Vejhjælp', en: 'Roadside assistance' } },
  { subject: { de: 'Adressänderung', lv: 'Adreses maiņa', da: 'Adresseændring', en: 'Change of address' } },
  { subject: { de: 'Frage zur Ladekarte', lv: 'Jautājums par uzlādes karti', da: 'Spørgsmål om ladekort', en: 'Charging card question' } },
];

/** Conversation results as the centers' agents record them. */
export const careOutcomes = {
  handoff: ['appointment requested, handed to dealer', 'callback requested by dealer', 'test drive lead created'],
  resolved: ['information given', 'resolved in first contact', 'address updated', 'roadside assistance dispatched', 'charging card reissued'],
  other: ['no interest', 'not reached, voicemail left', 'complaint recorded', 'customer will call back'],
} as const;

export const insurerTopics: readonly Readonly<Record<'da' | 'en', string>>[] = [
  { da: 'Skadesanmeldelse', en: 'Claim report' },
  { da: 'Fornyelse af bilforsikring', en: 'Car insurance renewal' },
  { da: 'Spørgsmål om selvrisiko', en: 'Question about the deductible' },
  { da: 'Glasskade', en: 'Windscreen damage' },
];

export const insurerOutcomes = ['claim registered', 'policy explained', 'renewal accepted', 'glass repair booked', 'customer will send photos'] as const;

export const dealerVisits = {
  service: { de: 'Inspektion und Ölwechsel', lv: 'Apkope un eļļas maiņa', da: 'Eftersyn og olieskift', en: 'Inspection and oil change' },
  tyres: { de: 'Reifenwechsel', lv: 'Riepu maiņa', da: 'Dækskifte', en: 'Tyre change' },
  testDrive: { de: 'Probefahrt', lv: 'Testa brauciens', da: 'Prøvetur', en: 'Test drive' },
  handover: { de: 'Fahrzeugübergabe', lv: 'Automašīnas nodošana', da: 'Udlevering af bil', en: 'Vehicle handover' },
  fleetReview: { de: 'Fuhrparkbesprechung beim Kunden', lv: 'Autoparka tikšanās pie klienta', da: 'Flådemøde hos kunden', en: 'Fleet review at customer site' },
  homeTestDrive: { de: 'Probefahrt ab Haustür', lv: 'Testa brauciens no mājām', da: 'Prøvetur hjemmefra', en: 'Test drive from home' },
  appointmentCall: { de: 'Terminabsprache', lv: 'Vizītes saskaņošana', da: 'Aftale om tid', en: 'Appointment call' },
} as const satisfies Record<string, Topic>;

export const dealerOutcomes = {
  service: ['inspection done', 'inspection done, brake pads replaced', 'inspection done, quote for tyres issued'],
  tyres: ['winter tyres fitted', 'summer tyres fitted, stored winter set'],
  testDrive: ['test drive done, quote issued', 'test drive done, no decision yet', 'order signed'],
  handover: ['vehicle handed over'],
  fleetReview: ['fleet extension discussed', 'leasing quote requested', 'service plan agreed'],
  homeTestDrive: ['test drive done, quote issued'],
  appointmentCall: ['appointment booked', 'appointment moved', 'not reached'],
} as const satisfies Record<keyof typeof dealerVisits, readonly string[]>;

export const webRequests = {
  configurator: { de: 'Konfiguration gespeichert und Angebot angefragt', lv: 'Konfigurācija saglabāta, pieprasīts piedāvājums', da: 'Konfiguration gemt og tilbud ønsket', en: 'Configuration saved, quote requested' },
  testDrive: { de: 'Probefahrt über nordwagen.de angefragt', lv: 'Testa brauciens pieteikts vietnē nordwagen.lv', da: 'Prøvetur bestilt på nordwagen.dk', en: 'Test drive requested online' },
  contact: { de: 'Kontaktformular: Frage zur Garantie', lv: 'Kontaktforma: jautājums par garantiju', da: 'Kontaktformular: spørgsmål om garanti', en: 'Contact form: warranty question' },
} as const satisfies Record<string, Topic>;

/** Task titles in the assignee dealer's language. */
export function handoffTitle(language: DemoLanguage, kind: 'callback' | 'lead' | 'service_appointment', topic: string, model: string): string {
  const titles = {
    callback: { de: `Rückruf erbeten: ${topic}`, lv: `Lūdzu atzvanīt: ${topic}`, da: `Ring venligst tilbage: ${topic}`, en: `Please call back: ${topic}` },
    lead: { de: `Probefahrt-Interesse ${model}`, lv: `Interese par testa braucienu: ${model}`, da: `Ønsker prøvetur i ${model}`, en: `Test drive interest: ${model}` },
    service_appointment: { de: `Werkstatttermin vereinbaren: ${topic}`, lv: `Pierakstīt uz servisu: ${topic}`, da: `Book værkstedstid: ${topic}`, en: `Book a workshop slot: ${topic}` },
  } as const;
  return titles[kind][language];
}

export function handoffDescription(language: DemoLanguage, center: string, outcome: string, when: string): string {
  return {
    de: `Kunde hat am ${when} mit ${center} gesprochen (${outcome}). Bitte innerhalb der vereinbarten Frist kontaktieren; bevorzugt vormittags.`,
    lv: `Klients ${when} runāja ar ${center} (${outcome}). Lūdzu, sazinieties noteiktajā termiņā, vēlams no rīta.`,
    da: `Kunden talte den ${when} med ${center} (${outcome}). Kontakt venligst kunden inden fristen, helst om formiddagen.`,
    en: `The customer spoke with ${center} on ${when} (${outcome}). Please contact them within the agreed time, preferably in the morning.`,
  }[language];
}
