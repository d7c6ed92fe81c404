import type { ArgumentationAidInput, PartyInput, SharingAgreementInput } from '@tandem/schema';

/** The demo world's party ids, for tests and fixtures. */
export const demoParties = {
  oem: 'oem',
  dealerBerlin: 'dealer-berlin',
  dealerMunich: 'dealer-munich',
  dealerRiga: 'dealer-riga',
  dealerAarhus: 'dealer-aarhus',
  icBaltic: 'ic-baltic',
  icNordic: 'ic-nordic',
  /** A second client of `ic-nordic`: client isolation is tested between it and the OEM. */
  insurer: 'insurer',
} as const;

export type DemoPartyId = (typeof demoParties)[keyof typeof demoParties];
export type DemoDealerId = typeof demoParties.dealerBerlin | typeof demoParties.dealerMunich | typeof demoParties.dealerRiga | typeof demoParties.dealerAarhus;
export type DemoCenterId = typeof demoParties.icBaltic | typeof demoParties.icNordic;

export const demoDealers: readonly DemoDealerId[] = [demoParties.dealerBerlin, demoParties.dealerMunich, demoParties.dealerRiga, demoParties.dealerAarhus];
export const demoCenters: readonly DemoCenterId[] = [demoParties.icBaltic, demoParties.icNordic];

export const brands = { nordwagen: 'Nordwagen', commercial: 'Nordwagen Commercial', insurer: 'Fjord Forsikring' } as const;

const weekdays = (opens: string, closes: string) =>
  (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, opens, closes }));

/** In dependency order: an interaction center's clients come before it. */
export const demoPartyProfiles: readonly PartyInput[] = [
  {
    id: demoParties.oem,
    kind: 'manufacturer',
    name: 'Nordwagen AG',
    country: 'DE',
    timeZone: 'Europe/Berlin',
    brands: [brands.nordwagen, brands.commercial],
    businessHours: weekdays('08:00', '18:00'),
  },
  {
    id: demoParties.insurer,
    kind: 'supplier',
    name: 'Fjord Forsikring A/S',
    country: 'DK',
    timeZone: 'Europe/Copenhagen',
    brands: [brands.insurer],
    businessHours: [...weekdays('08:30', '16:30')],
  },
  {
    id: demoParties.dealerBerlin,
    kind: 'dealer',
    name: 'Autohaus Schöneberg GmbH',
    country: 'DE',
    timeZone: 'Europe/Berlin',
    brands: [brands.nordwagen, brands.commercial],
    businessHours: [...weekdays('07:30', '18:30'), { day: 'sat', opens: '09:00', closes: '13:00' }],
  },
  {
    id: demoParties.dealerMunich,
    kind: 'dealer',
    name: 'Nordwagen Zentrum München-Giesing GmbH',
    country: 'DE',
    timeZone: 'Europe/Berlin',
    brands: [brands.nordwagen],
    businessHours: [...weekdays('07:00', '18:00'), { day: 'sat', opens: '09:00', closes: '12:30' }],
  },
  {
    id: demoParties.dealerRiga,
    kind: 'dealer',
    name: 'SIA "Ziemeļu Auto" Rīga',
    country: 'LV',
    timeZone: 'Europe/Riga',
    brands: [brands.nordwagen, brands.commercial],
    businessHours: [...weekdays('08:00', '19:00'), { day: 'sat', opens: '10:00', closes: '15:00' }],
  },
  {
    id: demoParties.dealerAarhus,
    kind: 'dealer',
    name: 'Århus Bilcenter A/S',
    country: 'DK',
    timeZone: 'Europe/Copenhagen',
    brands: [brands.nordwagen, brands.commercial],
    businessHours: [
      ...(['mon', 'tue', 'wed', 'thu'] as const).map((day) => ({ day, opens: '07:00', closes: '17:00' })),
      { day: 'fri', opens: '07:00', closes: '15:30' },
      { day: 'sat', opens: '10:00', closes: '14:00' },
    ],
  },
  {
    id: demoParties.icBaltic,
    kind: 'interaction_center',
    name: 'Baltic Contact Services SIA',
    country: 'LV',
    timeZone: 'Europe/Riga',
    brands: [brands.nordwagen, brands.commercial],
    // Opens at 07:00 Riga time = 06:00 in Germany: it serves the German market too.
    businessHours: [...weekdays('07:00', '21:00'), { day: 'sat', opens: '08:00', closes: '16:00' }],
    clients: [demoParties.oem],
  },
  {
    id: demoParties.icNordic,
    kind: 'interaction_center',
    name: 'Nordic Customer Care ApS',
    country: 'DK',
    timeZone: 'Europe/Copenhagen',
    brands: [brands.nordwagen, brands.commercial, brands.insurer],
    businessHours: [
      ...weekdays('08:00', '20:00'),
      { day: 'sat', opens: '09:00', closes: '15:00' },
      // Claims line on Sundays for the insurer.
      { day: 'sun', opens: '10:00', closes: '14:00' },
    ],
    clients: [demoParties.oem, demoParties.insurer],
  },
];

type AgreementTemplate = Omit<SharingAgreementInput, 'validFrom'>;

/**
 * The network: the OEM and each dealer share with each other, the OEM and the insurer with
 * the centers that act for them, the centers report back to the OEM and hand cases to the
 * dealers. Dealers never share with each other.
 */
export const demoAgreements: readonly AgreementTemplate[] = [
  ...demoDealers.flatMap((dealer): AgreementTemplate[] => [
    { grantor: demoParties.oem, grantee: dealer, dataClasses: ['identity', 'contact', 'vehicles', 'activities'], purpose: 'service' },
    { grantor: dealer, grantee: demoParties.oem, dataClasses: ['identity', 'contact', 'vehicles', 'activities', 'tasks'], purpose: 'service' },
  ]),
  ...[demoParties.icBaltic, demoParties.icNordic].flatMap((center): AgreementTemplate[] => [
    { grantor: demoParties.oem, grantee: center, dataClasses: ['identity', 'contact', 'vehicles', 'activities', 'content'], purpose: 'customer_care' },
    { grantor: center, grantee: demoParties.oem, dataClasses: ['activities', 'content', 'tasks'], purpose: 'customer_care' },
  ]),
  { grantor: demoParties.insurer, grantee: demoParties.icNordic, dataClasses: ['identity', 'contact', 'activities'], purpose: 'customer_care' },
  // Handoffs: core's `recordTask` hands a task only to a party holding `tasks` from its creator.
  // Leads from the OEM's web site go to the dealers; callbacks and appointments from each
  // center go to the dealers of the markets it serves.
  ...demoDealers.map((dealer): AgreementTemplate => ({ grantor: demoParties.oem, grantee: dealer, dataClasses: ['tasks'], purpose: 'sales' })),
  ...[demoParties.dealerBerlin, demoParties.dealerMunich, demoParties.dealerRiga].map(
    (dealer): AgreementTemplate => ({ grantor: demoParties.icBaltic, grantee: dealer, dataClasses: ['tasks'], purpose: 'customer_care' }),
  ),
  { grantor: demoParties.icNordic, grantee: demoParties.dealerAarhus, dataClasses: ['tasks'], purpose: 'customer_care' },
];

type AidText = { readonly title: string; readonly body: string };
type AidTopic = {
  readonly brand: string;
  readonly appliesTo: NonNullable<ArgumentationAidInput['appliesTo']>;
  readonly text: Readonly<Record<string, AidText>>;
};

const lines = (...items: string[]) => items.map((item) => `• ${item}`).join('\n');

const aidTopics: readonly AidTopic[] = [
  {
    brand: brands.nordwagen,
    appliesTo: { vehicleModels: [], channels: ['phone', 'chat', 'walk_in'], customerKinds: ['person'] },
    text: {
      de: {
        title: 'Wartungsvertrag: Argumente für die Verlängerung',
        body: lines(
          'Feste Monatsrate deckt alle Inspektionen und Verschleißteile nach Herstellervorgabe.',
          'Original-Nordwagen-Teile und geschulte Techniker sichern Garantie und Wiederverkaufswert.',
          'Mobilitätsgarantie: kostenloser Ersatzwagen bei jedem abgedeckten Werkstattaufenthalt.',
          'Einwand „zu teuer“: mit den Kosten zweier ungeplanter Reparaturen vergleichen; 36 Monate Laufzeit mit günstigerer Rate anbieten.',
        ),
      },
      lv: {
        title: 'Apkopes līgums: argumenti pagarināšanai',
        body: lines(
          'Fiksēta mēneša maksa sedz visas apkopes un dilstošās detaļas saskaņā ar ražotāja grafiku.',
          'Oriģinālās Nordwagen detaļas un apmācīti meistari saglabā garantiju un atpārdošanas vērtību.',
          'Mobilitātes garantija: bezmaksas maiņas auto katras segtās servisa vizītes laikā.',
          'Iebildums „pārāk dārgi”: salīdziniet ar divu neplānotu remontu izmaksām; piedāvājiet 36 mēnešu termiņu ar zemāku maksu.',
        ),
      },
      da: {
        title: 'Serviceaftale: argumenter for fornyelse',
        body: lines(
          'Fast månedlig ydelse dækker alle eftersyn og sliddele efter fabrikkens serviceplan.',
          'Originale Nordwagen-dele og uddannede mekanikere bevarer garantien og gensalgsværdien.',
          'Mobilitetsgaranti: gratis lånebil ved hvert dækket værkstedsbesøg.',
          'Indvending „for dyrt“: sammenlign med prisen på to uforudsete reparationer; tilbyd 36 måneders løbetid med lavere ydelse.',
        ),
      },
      en: {
        title: 'Service contract: arguments for renewal',
        body: lines(
          "A fixed monthly rate covers all inspections and wear parts on the manufacturer's schedule.",
          'Genuine Nordwagen parts and trained technicians keep the warranty and the resale value intact.',
          'Mobility guarantee: a free courtesy car during every covered workshop visit.',
          'Objection "too expensive": compare with the cost of two unplanned repairs; offer the 36-month term with the lower rate.',
        ),
      },
    },
  },
  {
    brand: brands.nordwagen,
    appliesTo: { vehicleModels: ['Vinda'], channels: [], customerKinds: [] },
    text: {
      de: {
        title: 'Vinda: Reichweite und Laden',
        body: lines(
          'WLTP-Reichweite bis 480 km; im Winter mit rund 20 % weniger planen.',
          'Laden von 10 auf 80 % am Schnelllader dauert etwa 28 Minuten.',
          'Die Nordwagen-Charge-Karte funktioniert an über 600.000 öffentlichen Ladepunkten in Europa.',
          'Batteriegarantie: 8 Jahre oder 160.000 km, 70 % Kapazität garantiert.',
        ),
      },
      lv: {
        title: 'Vinda: nobraukums un uzlāde',
        body: lines(
          'WLTP nobraukums līdz 480 km; ziemā rēķinieties ar aptuveni 20 % mazāku.',
          'Uzlāde no 10 līdz 80 % ātrās uzlādes stacijā aizņem apmēram 28 minūtes.',
          'Nordwagen Charge karte darbojas vairāk nekā 600 000 publiskās uzlādes vietās Eiropā.',
          'Akumulatora garantija: 8 gadi vai 160 000 km, garantēti 70 % ietilpības.',
        ),
      },
      da: {
        title: 'Vinda: rækkevidde og opladning',
        body: lines(
          'WLTP-rækkevidde op til 480 km; regn med ca. 20 % mindre om vinteren.',
          'Opladning fra 10 til 80 % på en lynlader tager omkring 28 minutter.',
          'Nordwagen Charge-kortet virker på over 600.000 offentlige ladepunkter i Europa.',
          'Batterigaranti: 8 år eller 160.000 km, 70 % kapacitet garanteret.',
        ),
      },
      en: {
        title: 'Vinda: range and charging',
        body: lines(
          'WLTP range up to 480 km; in winter plan with about 20 % less.',
          'Charging from 10 to 80 % at a fast charger takes about 28 minutes.',
          'The Nordwagen Charge card works at more than 600,000 public charge points in Europe.',
          'Battery warranty: 8 years or 160,000 km, 70 % capacity guaranteed.',
        ),
      },
    },
  },
  {
    brand: brands.nordwagen,
    appliesTo: { vehicleModels: [], channels: ['phone', 'email', 'letter'], customerKinds: [] },
    text: {
      de: {
        title: 'Rückrufaktion: beruhigen und Termin vereinbaren',
        body: lines(
          'Für den Anruf danken und die Fahrzeug-Identifizierungsnummer (FIN) bestätigen.',
          'Erklären, dass die Überprüfung kostenlos ist und etwa eine Stunde dauert.',
          'Das Fahrzeug ist fahrbereit, solange keine Warnleuchte aufleuchtet; sonst Pannenhilfe organisieren.',
          'Zwei freie Termine beim Händler des Kunden anbieten und die Buchung als Aufgabe übergeben.',
        ),
      },
      lv: {
        title: 'Atsaukšanas kampaņa: nomieriniet un pierakstiet',
        body: lines(
          'Pateicieties par zvanu un pārbaudiet transportlīdzekļa VIN numuru.',
          'Paskaidrojiet, ka pārbaude ir bezmaksas un ilgst apmēram vienu stundu.',
          'Ar automašīnu drīkst braukt, ja nedeg brīdinājuma lampiņa; citādi organizējiet palīdzību uz ceļa.',
          'Piedāvājiet divus brīvos laikus pie klienta dīlera un nododiet pierakstu kā uzdevumu.',
        ),
      },
      da: {
        title: 'Tilbagekaldelse: berolig og book tid',
        body: lines(
          'Tak for opkaldet og bekræft stelnummeret (VIN).',
          'Forklar, at eftersynet er gratis og tager cirka en time.',
          'Bilen må køre, så længe ingen advarselslampe lyser; ellers arrangér vejhjælp.',
          'Tilbyd to ledige tider hos kundens forhandler og overdrag bookingen som en opgave.',
        ),
      },
      en: {
        title: 'Recall: reassure and book',
        body: lines(
          'Thank the customer for calling and confirm the vehicle identification number (VIN).',
          'Explain that the check is free of charge and takes about one hour.',
          'The car is safe to drive unless a warning light is on; otherwise arrange roadside assistance.',
          "Offer two free slots at the customer's dealer and hand the booking over as a task.",
        ),
      },
    },
  },
  {
    brand: brands.commercial,
    appliesTo: { vehicleModels: [], channels: [], customerKinds: ['company'] },
    text: {
      de: {
        title: 'Flottenangebote für Geschäftskunden',
        body: lines(
          'Flottenrabatt ab 3 Fahrzeugen, Full-Service-Leasing ab 36 Monaten.',
          'Ein fester Ansprechpartner beim Händler für den ganzen Fuhrpark; Hol- und Bringservice.',
          'Monatlicher Flottenbericht: Kilometerstände, Servicetermine, Verbrauch.',
          'Qualifizierte Leads mit Flottengröße und Zeitrahmen als Lead-Aufgabe an den Händler übergeben.',
        ),
      },
      lv: {
        title: 'Autoparka piedāvājumi uzņēmumiem',
        body: lines(
          'Autoparka atlaide no 3 automašīnām, pilna servisa līzings no 36 mēnešiem.',
          'Viena kontaktpersona pie dīlera visam autoparkam; automašīnu aizvešana un piegāde.',
          'Ikmēneša autoparka atskaite: nobraukums, apkopju termiņi, degvielas un enerģijas patēriņš.',
          'Kvalificētus interesentus nododiet dīlerim kā uzdevumu ar autoparka lielumu un termiņu.',
        ),
      },
      da: {
        title: 'Flådetilbud til erhvervskunder',
        body: lines(
          'Flåderabat fra 3 biler, full-service-leasing fra 36 måneder.',
          'Én fast kontaktperson hos forhandleren for hele flåden; hente- og bringeservice.',
          'Månedlig flåderapport: kilometerstand, servicedatoer, brændstof- og energiforbrug.',
          'Overdrag kvalificerede leads til forhandleren som lead-opgave med flådestørrelse og tidsramme.',
        ),
      },
      en: {
        title: 'Fleet offers for business customers',
        body: lines(
          'Fleet discount from 3 vehicles, full-service leasing from 36 months.',
          'One contact person at the dealer for the whole fleet; pick-up and delivery service.',
          'Monthly fleet report: mileage, service due dates, fuel and energy consumption.',
          'Hand qualified leads to the dealer as a lead task with fleet size and timeline.',
        ),
      },
    },
  },
  {
    brand: brands.commercial,
    appliesTo: { vehicleModels: ['Transa', 'Cargo'], channels: [], customerKinds: [] },
    text: {
      de: {
        title: 'Transa und Cargo: Nutzlast und Ausstattung',
        body: lines(
          'Transa: bis 1.250 kg Nutzlast, 6,7 m³ Ladevolumen; Cargo: bis 2.100 kg und 13 m³.',
          'Regalsysteme und Dachträger ab Werk erhältlich.',
          'Wartungsintervall 40.000 km oder 2 Jahre.',
          'Elektrischer Transa E: 320 km Reichweite, ideal für Lieferrouten in der Stadt.',
        ),
      },
      lv: {
        title: 'Transa un Cargo: kravnesība un aprīkojums',
        body: lines(
          'Transa: kravnesība līdz 1250 kg, kravas tilpums 6,7 m³; Cargo: līdz 2100 kg un 13 m³.',
          'Rūpnīcā uzstādāmi plauktu sistēmas un jumta bagāžnieki.',
          'Apkopes intervāls 40 000 km vai 2 gadi.',
          'Elektriskais Transa E: 320 km nobraukums, ideāls piegādēm pilsētā.',
        ),
      },
      da: {
        title: 'Transa og Cargo: nyttelast og udstyr',
        body: lines(
          'Transa: op til 1.250 kg nyttelast, 6,7 m³ lastrum; Cargo: op til 2.100 kg og 13 m³.',
          'Reolsystemer og tagbøjler kan leveres fra fabrikken.',
          'Serviceinterval 40.000 km eller 2 år.',
          'Elektrisk Transa E: 320 km rækkevidde, ideel til varelevering i byen.',
        ),
      },
      en: {
        title: 'Transa and Cargo: payload and equipment',
        body: lines(
          'Transa: up to 1,250 kg payload, 6.7 m³ load volume; Cargo: up to 2,100 kg and 13 m³.',
          'Factory-fitted shelving and roof racks are available.',
          'Service interval 40,000 km or 2 years.',
          'Electric Transa E: 320 km range, ideal for urban delivery routes.',
        ),
      },
    },
  },
  {
    brand: brands.insurer,
    appliesTo: { vehicleModels: [], channels: ['phone'], customerKinds: ['person'] },
    text: {
      da: {
        title: 'Skadesanmeldelse: trin for trin',
        body: lines(
          'Spørg først, om nogen er kommet til skade, og om bilen kan køre.',
          'Notér tidspunkt, sted, policenummer og modpartens registreringsnummer.',
          'Selvrisikoen fremgår af policen; oplys den først, når skaden er registreret.',
          'Tilbyd vejhjælp og lånebil, hvis policen dækker det.',
        ),
      },
      en: {
        title: 'Claim report: step by step',
        body: lines(
          'First ask whether anyone was injured and whether the car can still be driven.',
          "Note time, place, policy number and the other party's registration number.",
          'The deductible is stated in the policy; mention it only after the claim is registered.',
          'Offer roadside assistance and a courtesy car if the policy covers them.',
        ),
      },
    },
  },
];

/** Argumentation aids for the OEM's brands in German, Latvian, Danish and English (and the insurer's in Danish and English). */
export const demoArgumentationAids: readonly ArgumentationAidInput[] = aidTopics.flatMap((topic) =>
  Object.entries(topic.text).map(([language, text]) => ({ brand: topic.brand, language, title: text.title, body: text.body, appliesTo: topic.appliesTo })),
);
