import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { topics } from '@tandem/schema';
import {
  ActivityEntity,
  AddressEntity,
  ContactPointEntity,
  CustomerEntity,
  DeadLetterEntity,
  DeterministicIdentityResolver,
  OutboxMessageEntity,
  SourceRecordEntity,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import type { Bus } from '../src/bus/bus.port.js';
import { createBus } from '../src/bus/create-bus.js';
import { createIngestHandler } from '../src/ingest/ingest.pipeline.js';
import { SyncInstrumentation } from '../src/instrumentation/sync-events.js';
import { importExitCode, importFile, type ImportProgress } from '../src/import/bulk-import.js';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

// ---- a German dealer's export with German, Latvian and Danish customers -------------------------

type Market = 'DE' | 'LV' | 'DK';
const people: Record<Market, { given: string[]; family: string[]; street: string; city: [string, string]; company: string }> = {
  DE: { given: ['Jürgen', 'Bärbel', 'Sören', 'Jördis', 'Günter'], family: ['Müller', 'Weiß', 'Jäger', 'Groß', 'Köhler'], street: 'Schloßallee', city: ['50667', 'Köln'], company: 'GmbH' },
  LV: { given: ['Jānis', 'Līga', 'Mārtiņš', 'Ērika', 'Kārlis'], family: ['Bērziņš', 'Kalniņa', 'Ozoliņš', 'Liepiņa', 'Krūmiņš'], street: 'Brīvības iela', city: ['LV-1010', 'Rīga'], company: 'SIA' },
  DK: { given: ['Søren', 'Åse', 'Bjørn', 'Mette', 'Jørgen'], family: ['Jørgensen', 'Kjær', 'Møller', 'Østergård', 'Nørgaard'], street: 'Nørrebrogade', city: ['8000', 'Aarhus C'], company: 'ApS' },
};
const markets: Market[] = ['DE', 'LV', 'DK'];
const columns = ['externalId', 'kind', 'givenName', 'familyName', 'companyName', 'phone', 'email', 'vin', 'brand', 'model', 'street', 'postalCode', 'city', 'country'];

const digits = (value: number, length: number) => String(value).padStart(length, '0');

/**
 * One customer, unique phone, e-mail and VIN per index (so no two rows are the same person). As a
 * Berlin dealer writes them: German mobiles in national format, foreign ones with their country code.
 */
function customer(index: number) {
  const market = markets[index % 3]!;
  const data = people[market];
  const company = index % 25 === 11;
  const serial = 100_000 + index;
  const phone =
    market === 'DE' ? `0151 ${digits(serial, 8)}` : market === 'LV' ? `+371 29 ${digits(serial % 1_000_000, 6).replace(/(\d{3})(\d{3})/, '$1 $2')}` : `0045 26 ${digits(serial % 1_000_000, 6).replace(/(\d{2})(\d{2})(\d{2})/, '$1 $2 $3')}`;
  const e164 = market === 'DE' ? `+49151${digits(serial, 8)}` : market === 'LV' ? `+37129${digits(serial % 1_000_000, 6)}` : `+4526${digits(serial % 1_000_000, 6)}`;
  const family = data.family[index % 5]!;
  return {
    market,
    e164,
    values: {
      externalId: `B-${index}`,
      kind: company ? 'company' : 'person',
      givenName: company ? '' : data.given[(index * 3) % 5]!,
      familyName: company ? '' : family,
      companyName: company ? `Autohaus ${family} ${data.company}` : '',
      phone,
      email: `kunde.${index}@example.${market.toLowerCase()}`,
      vin: `WNW${'ABCDEFGH'[index % 8]}K1A0N${digits(serial, 8)}`,
      brand: 'Nordwagen',
      model: ['Kometa', 'Fjord', 'Aurora'][index % 3]!,
      // Every 50th street has a second line: a quoted field across lines is one row.
      street: index % 50 === 3 ? `${data.street} ${index % 90}\nHinterhaus` : `${data.street} ${index % 90}`,
      postalCode: data.city[0],
      city: data.city[1],
      country: market,
    } as Record<string, string>,
  };
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
const csvLine = (values: readonly string[]) => `${values.map(csvCell).join(',')}\n`;

const malformations = ['bad phone', 'bad VIN', 'missing family name', 'broken quoting', 'Latin-1 row', 'wrong column count'] as const;

interface ExpectedReject {
  readonly row: number;
  readonly field: string;
  readonly reason: string;
  readonly externalId: string;
}

/** `rows` data rows; every 20th (5 %) is malformed, cycling through {@link malformations}. */
function dealerExport(rows: number) {
  const chunks: Buffer[] = [Buffer.from(csvLine(columns))];
  const good: { externalId: string; market: Market; e164: string; values: Record<string, string> }[] = [];
  const rejects: ExpectedReject[] = [];
  for (let index = 0; index < rows; index++) {
    const { market, e164, values } = customer(index);
    const row = index + 2;
    const externalId = values.externalId!;
    if (index % 20 !== 7) {
      chunks.push(Buffer.from(csvLine(columns.map((column) => values[column]!))));
      good.push({ externalId, market, e164, values });
      continue;
    }
    const kind = malformations[Math.floor(index / 20) % malformations.length]!;
    const cells = { ...values };
    switch (kind) {
      case 'bad phone':
        cells.phone = '0151 12';
        rejects.push({ row, field: 'phone', reason: '"0151 12" is not a valid phone number (read as a DE national number)', externalId });
        break;
      case 'bad VIN':
        cells.vin = 'WNW-1234';
        rejects.push({ row, field: 'vin', reason: '"WNW-1234" must have 17 characters, has 7', externalId });
        break;
      case 'missing family name':
        cells.familyName = '';
        rejects.push({ row, field: 'familyName', reason: 'is required for a person', externalId });
        break;
      case 'broken quoting':
        // Written by hand without quoting the field: the quote is inside an unquoted field.
        chunks.push(Buffer.from(columns.map((column) => (column === 'givenName' ? 'Jür"gen' : csvCell(values[column]!))).join(',') + '\n'));
        rejects.push({ row, field: 'givenName', reason: 'has a quote inside an unquoted field (quote the whole field and double the quote: "")', externalId });
        continue;
      case 'Latin-1 row':
        // One row pasted in from a Latin-1 file: ä and ö are single bytes.
        chunks.push(Buffer.from(csvLine(columns.map((column) => ({ ...values, givenName: 'Käthe', familyName: 'Schäfer', street: 'Königsweg 3', city: 'Köln', companyName: '' })[column]!)), 'latin1'));
        rejects.push({ row, field: 'givenName', reason: 'is not valid UTF-8 (save the file as UTF-8)', externalId });
        continue;
      case 'wrong column count':
        chunks.push(Buffer.from(csvLine(columns.slice(0, -1).map((column) => values[column]!))));
        rejects.push({ row, field: '', reason: `has ${columns.length - 1} fields, the header has ${columns.length}`, externalId });
        continue;
    }
    chunks.push(Buffer.from(csvLine(columns.map((column) => cells[column]!))));
  }
  return { bytes: Buffer.concat(chunks), good, rejects };
}

// ---- the suite --------------------------------------------------------------------------------------

describe.each(testDialects())('bulk import on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let bus: Bus;
  let dir: string;
  let groups = 0;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Nordwagen'] });
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Spree GmbH', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-riga', kind: 'dealer', name: 'Auto Rīga SIA', country: 'LV', timeZone: 'Europe/Riga' });
    await upsertParty(em, { id: 'dealer-aarhus', kind: 'dealer', name: 'Bilhuset Århus ApS', country: 'DK', timeZone: 'Europe/Copenhagen' });
    await upsertParty(em, { id: 'ic-riga', kind: 'interaction_center', name: 'Baltic Contact SIA', country: 'LV', timeZone: 'Europe/Riga', clients: ['oem'] });
    bus = createBus({ orm, clientId: 'import-test', embedded: { pollIntervalMs: 5, batchSize: 200 } });
    dir = await mkdtemp(join(tmpdir(), 'tandem-import-test-'));
  });
  afterAll(async () => {
    await bus.close();
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  const fork = () => orm.em.fork() as Em;

  /**
   * Runs the real ingest handler over the party's inbound topic until `expected` messages were
   * taken, waiting on `batch.committed` (never on time). Returns what the pipeline reported.
   */
  async function ingest(party: string, expected: number) {
    const events = new SyncInstrumentation();
    const totals = { count: 0, applied: 0, deadLettered: 0 };
    const done = new Promise<void>((resolve) => {
      if (expected === 0) resolve();
      events.on('batch.committed', (event) => {
        totals.count += event.count;
        totals.applied += event.applied;
        totals.deadLettered += event.deadLettered;
        if (totals.count >= expected) resolve();
      });
    });
    groups += 1;
    const handler = createIngestHandler({ orm, resolver: new DeterministicIdentityResolver(), consumer: `import-test-${groups}`, events });
    const subscription = await bus.subscribe({ groupId: `import-test-${groups}`, topics: [topics.inbound(party)], handleBatch: handler });
    try {
      await done;
    } finally {
      await subscription.stop();
    }
    return totals;
  }

  async function rejectsOf(path: string): Promise<{ row: string; field: string; reason: string; raw: string }[]> {
    return parseCsv(await readFile(path, 'utf8'), { columns: true }) as { row: string; field: string; reason: string; raw: string }[];
  }

  it('imports a dealer export: every good row becomes a golden customer, every bad row is in the rejects file with its row, field and reason', async () => {
    const { bytes, good, rejects } = dealerExport(400);
    const file = join(dir, 'kunden-berlin.csv');
    await writeFile(file, bytes);
    const customersBefore = await fork().count(CustomerEntity, {});
    const progress: ImportProgress[] = [];

    const result = await importFile({
      orm,
      bus,
      party: 'dealer-berlin',
      file,
      format: 'csv',
      kind: 'contacts',
      rejectsFile: join(dir, 'kunden-berlin.rejects.csv'),
      batchSize: 50,
      onProgress: (event) => progress.push(event),
    });

    expect(rejects).toHaveLength(20);
    expect(result).toEqual({ rows: 400, accepted: 380, rejected: 20, rejectsFile: join(dir, 'kunden-berlin.rejects.csv'), ignoredColumns: [] });
    expect(importExitCode(result)).toBe(2);
    expect(progress.at(-1)).toMatchObject({ bytesRead: bytes.length, totalBytes: bytes.length, rows: 400, accepted: 380, rejected: 20 });
    expect(progress.map((event) => event.bytesRead)).toEqual([...progress.map((event) => event.bytesRead)].sort((a, b) => a - b));

    // The rejects file names every bad row once per problem, with the user's column and the contract's reason.
    const lines = await rejectsOf(result.rejectsFile);
    expect(lines.map(({ row, field, reason }) => ({ row: Number(row), field, reason }))).toEqual(rejects.map(({ row, field, reason }) => ({ row, field, reason })));
    for (const [index, line] of lines.entries()) expect(line.raw).toContain(`${rejects[index]!.externalId},`);
    expect(lines.find((line) => line.reason.includes('UTF-8'))?.raw).toContain('Käthe,Schäfer');

    // Nothing is lost: good rows are on the party's inbound topic, bad ones are dead letters naming their row.
    const published = await fork().find(OutboxMessageEntity, { topic: topics.inbound('dealer-berlin') }, { orderBy: { position: 'asc' } });
    expect(published.map((message) => message.key)).toEqual(good.map((row) => `dealer-berlin:${row.externalId}`));
    const letters = await fork().find(DeadLetterEntity, { party: 'dealer-berlin' });
    expect(letters.map((letter) => letter.source).sort((a, b) => (a as { row: number }).row - (b as { row: number }).row)).toEqual(
      rejects.map(({ row }) => ({ kind: 'file', party: 'dealer-berlin', file, row })),
    );

    const taken = await ingest('dealer-berlin', 380);
    expect(taken).toEqual({ count: 380, applied: 380, deadLettered: 0 });

    const links = await fork().find(SourceRecordEntity, { party: 'dealer-berlin' });
    expect(links.map((link) => link.externalId).sort()).toEqual(good.map((row) => row.externalId).sort());
    expect(new Set(links.map((link) => link.customer)).size).toBe(380);
    expect((await fork().count(CustomerEntity, {})) - customersBefore).toBe(380);

    // Diacritics arrive intact and national phone formats become E.164, whichever market the customer is in.
    const em = fork();
    for (const sample of [good.find((row) => row.market === 'LV' && row.values.kind === 'person')!, good.find((row) => row.market === 'DK' && row.values.kind === 'person')!, good.find((row) => row.market === 'DE' && row.values.kind === 'person')!]) {
      const link = links.find((candidate) => candidate.externalId === sample.externalId)!;
      const golden = await em.findOneOrFail(CustomerEntity, { id: link.customer });
      expect(golden).toMatchObject({ kind: 'person', givenName: sample.values.givenName, familyName: sample.values.familyName });
      expect(await em.count(ContactPointEntity, { customer: link.customer, type: 'phone', value: sample.e164 })).toBe(1);
    }
    const company = good.find((row) => row.values.kind === 'company' && row.market === 'DK')!;
    const companyLink = links.find((candidate) => candidate.externalId === company.externalId)!;
    expect(await em.findOneOrFail(CustomerEntity, { id: companyLink.customer })).toMatchObject({ kind: 'company', companyName: company.values.companyName });
    const twoLines = good.find((row) => row.values.street!.includes('\n'))!;
    const address = await em.findOneOrFail(AddressEntity, { customer: links.find((candidate) => candidate.externalId === twoLines.externalId)!.customer });
    expect(address).toMatchObject({ street: twoLines.values.street, postalCode: twoLines.values.postalCode, city: twoLines.values.city, country: twoLines.market });
  });

  it('imports JSON Lines of contract payloads, numbering rows by line; phones are read in the party country', async () => {
    const lines = [
      JSON.stringify({ externalId: 'R-1', givenName: 'Līga', familyName: 'Kalniņa', phones: [{ value: '29 500 001', label: 'mobile' }], emails: [{ value: 'Liga.Kalnina@example.lv' }] }),
      JSON.stringify({ externalId: 'R-2', givenName: 'Mārtiņš', familyName: 'Ozoliņš', phones: [{ value: '29 500 002' }], vehicles: [{ vin: 'WNWBK1A0N00900002', brand: 'Nordwagen', model: 'Fjord' }] }),
      '',
      JSON.stringify({ externalId: 'R-3', familyName: 'Bērziņš', phones: [{ value: '29 1' }] }),
      '{"externalId": "R-4", "familyName": ',
      JSON.stringify({ externalId: 'R-5', kind: 'company', companyName: 'SIA Ērgļi', addresses: [{ street: 'Tērbatas iela 14', postalCode: 'LV-1011', city: 'Rīga', country: 'LV' }] }),
    ];
    const file = join(dir, 'klienti.jsonl');
    await writeFile(file, Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from(`${JSON.stringify({ externalId: 'R-6', familyName: 'Jäger' })}\n`, 'latin1')]));

    const result = await importFile({ orm, bus, party: 'dealer-riga', file, kind: 'contacts', rejectsFile: join(dir, 'klienti.rejects.csv') });

    expect(result).toMatchObject({ rows: 6, accepted: 3, rejected: 3 });
    expect((await rejectsOf(result.rejectsFile)).map(({ row, field, reason }) => [Number(row), field, reason])).toEqual([
      [4, 'phones.0.value', '"29 1" is not a valid phone number (read as a LV national number)'],
      [5, '', expect.stringMatching(/^is not valid JSON/)],
      [7, '', 'is not valid UTF-8 (save the file as UTF-8)'],
    ]);
    expect(await ingest('dealer-riga', 3)).toEqual({ count: 3, applied: 3, deadLettered: 0 });
    const em = fork();
    const link = await em.findOneOrFail(SourceRecordEntity, { party: 'dealer-riga', externalId: 'R-1' });
    expect(await em.findOneOrFail(CustomerEntity, { id: link.customer })).toMatchObject({ givenName: 'Līga', familyName: 'Kalniņa' });
    expect(await em.find(ContactPointEntity, { customer: link.customer }, { orderBy: { type: 'asc' } })).toMatchObject([
      { type: 'email', value: 'liga.kalnina@example.lv' },
      { type: 'phone', value: '+37129500001', label: 'mobile' },
    ]);
  });

  it('maps flat JSON Lines with a mapping, numbers included', async () => {
    const file = join(dir, 'export.ndjson');
    await writeFile(
      file,
      [
        { KundenNr: 5001, Vorname: 'Kārlis', Nachname: 'Krūmiņš', Mobil: '+371 29 600 001', Marke: 'Nordwagen', Modell: 'Polaris', FIN: 'WNWDK1A0N00600001' },
        { KundenNr: 5002, Vorname: 'Dace', Nachname: null, Mobil: '+371 29 600 002' },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const mapping = { externalId: 'KundenNr', givenName: 'Vorname', familyName: 'Nachname', phones: [{ column: 'Mobil', label: 'mobile' }], vehicles: [{ vin: 'FIN', brand: 'Marke', model: 'Modell' }] };
    const result = await importFile({ orm, bus, party: 'oem', file, mapping, rejectsFile: join(dir, 'export.rejects.csv') });
    expect(result).toMatchObject({ rows: 2, accepted: 1, rejected: 1, ignoredColumns: [] });
    expect((await rejectsOf(result.rejectsFile)).map(({ row, field, reason }) => [Number(row), field, reason])).toEqual([[2, 'Nachname', 'is required for a person']]);
    const [event] = await fork().find(OutboxMessageEntity, { topic: topics.inbound('oem'), key: 'oem:5001' });
    expect(JSON.parse(event!.payload)).toMatchObject({
      type: 'contact.upserted',
      version: 1,
      source: 'oem',
      key: 'oem:5001',
      payload: { externalId: '5001', givenName: 'Kārlis', familyName: 'Krūmiņš', phones: [{ value: '+371 29 600 001', label: 'mobile' }], vehicles: [{ vin: 'WNWDK1A0N00600001', brand: 'Nordwagen', model: 'Polaris' }] },
    });
  });

  it("maps a Danish dealer's own columns with a mapping file (semicolons, BOM, CRLF) and names the user's column in rejects", async () => {
    const header = 'Kundennr;Vorname;Nachname;Mobil;Telefon;E-Mail;FIN;Marke;Modell;Straße;PLZ;Ort;Notiz';
    const rows = [
      'A-1;Søren;Jørgensen;26 90 00 01;86 12 34 56;soeren.j@example.dk;WNWCK1A0N00800001;Nordwagen;Aurora;Nørrebrogade 20;8000;Aarhus C;Stammkunde',
      'A-2;Åse;Østergård;26 90 00 02;;;;;;Åboulevard 7;8000;Aarhus C;',
      'A-3;Bjørn;Kjær;26 90;;;WNWCK1A0N00800003;Nordwagen;Vinda;;;;',
      'A-4;Mette;Nørgaard;;;mette@example.dk;WNWCK1A0N00800004;;Fjord;;;;',
    ];
    const file = join(dir, 'kunder.csv');
    await writeFile(file, `\ufeff${[header, ...rows].join('\r\n')}\r\n`);

    const result = await importFile({
      orm,
      bus,
      party: 'dealer-aarhus',
      file,
      kind: 'contacts',
      delimiter: ';',
      mapping: join(fixtures, 'dealer-export.mapping.json'),
    });

    expect(result).toEqual({ rows: 4, accepted: 2, rejected: 2, rejectsFile: `${file}.rejects.csv`, ignoredColumns: ['Notiz'] });
    expect((await rejectsOf(result.rejectsFile)).map(({ row, field, reason }) => [Number(row), field, reason])).toEqual([
      [4, 'Mobil', '"26 90" is not a valid phone number (read as a DK national number)'],
      [5, 'Marke', 'is required (the cell is empty)'],
    ]);
    expect(await ingest('dealer-aarhus', 2)).toEqual({ count: 2, applied: 2, deadLettered: 0 });
    const em = fork();
    const link = await em.findOneOrFail(SourceRecordEntity, { party: 'dealer-aarhus', externalId: 'A-1' });
    expect(await em.findOneOrFail(CustomerEntity, { id: link.customer })).toMatchObject({ givenName: 'Søren', familyName: 'Jørgensen' });
    expect(await em.find(ContactPointEntity, { customer: link.customer, type: 'phone' }, { orderBy: { value: 'asc' } })).toMatchObject([
      { value: '+4526900001', label: 'mobile' },
      { value: '+4586123456', label: 'home' },
    ]);
    expect(await em.findOneOrFail(AddressEntity, { customer: link.customer })).toMatchObject({ street: 'Nørrebrogade 20', postalCode: '8000', city: 'Aarhus C', country: 'DK' });
  });

  it("imports an interaction center's activities after its contacts; an activity for a party it does not act for is rejected", async () => {
    const contacts = join(dir, 'ic-contacts.jsonl');
    await writeFile(contacts, `${JSON.stringify({ externalId: 'IC-1', givenName: 'Ērika', familyName: 'Liepiņa', phones: [{ value: '29 300 001' }], onBehalfOf: 'oem' })}\n`);
    expect(await importFile({ orm, bus, party: 'ic-riga', file: contacts, kind: 'contacts' })).toMatchObject({ accepted: 1, rejected: 0 });
    const activities = join(dir, 'ic-activities.csv');
    await writeFile(
      activities,
      [
        'externalId,customerExternalId,channel,direction,occurredAt,durationSeconds,subject,outcome,onBehalfOf',
        'ACT-1,IC-1,phone,inbound,2026-03-02T09:30:00+02:00,312,Servisa pieraksts,appointment booked,oem',
        'ACT-2,IC-1,phone,outbound,2026-03-03T10:00:00+02:00,95,Atzvans,no answer,oem',
        'ACT-3,IC-1,email,outbound,2026-03-04T11:00:00+02:00,,Piedāvājums,sent,dealer-berlin',
        'ACT-4,IC-1,fax,inbound,yesterday,-5,,,oem',
      ].join('\n'),
    );
    const result = await importFile({ orm, bus, party: 'ic-riga', file: activities, kind: 'activities' });
    expect(result).toMatchObject({ rows: 4, accepted: 2, rejected: 2 });
    expect((await rejectsOf(result.rejectsFile)).map(({ row, field, reason }) => [Number(row), field, reason])).toEqual([
      [4, 'onBehalfOf', 'ic-riga does not act on behalf of dealer-berlin'],
      [5, 'channel', 'Invalid option: expected one of "phone"|"email"|"letter"|"web"|"chat"|"sms"|"field_visit"|"walk_in"'],
      [5, 'occurredAt', 'must be an ISO 8601 date-time with offset'],
      [5, 'durationSeconds', 'must not be negative'],
    ]);
    expect(await ingest('ic-riga', 3)).toEqual({ count: 3, applied: 3, deadLettered: 0 });
    const recorded = await fork().find(ActivityEntity, { party: 'ic-riga' }, { orderBy: { externalId: 'asc' } });
    expect(recorded).toMatchObject([
      { externalId: 'ACT-1', channel: 'phone', durationSeconds: 312, subject: 'Servisa pieraksts', outcome: 'appointment booked', onBehalfOf: 'oem' },
      { externalId: 'ACT-2', direction: 'outbound', durationSeconds: 95, onBehalfOf: 'oem' },
    ]);
  });

  it('validates in worker threads with the same rejects and the same events in the same order as on the calling thread', async () => {
    const em = fork();
    await upsertParty(em, { id: 'dealer-spree', kind: 'dealer', name: 'Autohaus an der Spree', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-havel', kind: 'dealer', name: 'Autohaus an der Havel', country: 'DE', timeZone: 'Europe/Berlin' });
    // Several validation chunks (1,000 rows each), handed alternately to two threads.
    const { bytes, good, rejects } = dealerExport(2_600);
    const file = join(dir, 'kunden-threads.csv');
    await writeFile(file, bytes);

    const runs = [];
    for (const [party, validationThreads] of [['dealer-spree', 0], ['dealer-havel', 2]] as const) {
      const result = await importFile({ orm, bus, party, file, rejectsFile: join(dir, `${party}.rejects.csv`), batchSize: 300, validationThreads });
      const published = await fork().find(OutboxMessageEntity, { topic: topics.inbound(party) }, { orderBy: { position: 'asc' } });
      runs.push({
        result: { rows: result.rows, accepted: result.accepted, rejected: result.rejected },
        rejects: await rejectsOf(result.rejectsFile),
        keys: published.map((message) => message.key.slice(party.length)),
        payloads: published.map((message) => (JSON.parse(message.payload) as { payload: unknown }).payload),
        deadLetters: await fork().count(DeadLetterEntity, { party, source: { kind: 'file', file } }),
      });
    }
    const [inline, threaded] = runs;
    expect(inline!.result).toEqual({ rows: 2_600, accepted: good.length, rejected: rejects.length });
    expect(inline!.keys).toEqual(good.map((row) => `:${row.externalId}`));
    expect(inline!.rejects.map((line) => Number(line.row))).toEqual(rejects.map((reject) => reject.row));
    expect(threaded).toEqual(inline);
  });

  it('accepts a clean file with exit code 0', async () => {
    const file = join(dir, 'clean.csv');
    await writeFile(file, 'externalId,givenName,familyName,phone\nC-1,Günter,Groß,030 1234567\n');
    const result = await importFile({ orm, bus, party: 'oem', file });
    expect(result).toMatchObject({ rows: 1, accepted: 1, rejected: 0 });
    expect(importExitCode(result)).toBe(0);
    expect(await readFile(result.rejectsFile, 'utf8')).toBe('row,field,reason,raw\n');
  });

  it('keeps the rejects of a file where every row is bad batch by batch, so memory stays bounded', async () => {
    const file = join(dir, 'all-bad.csv');
    await writeFile(file, `externalId,familyName,phone\n${Array.from({ length: 25 }, (_, index) => `Z-${index},Groß,0151 1`).join('\n')}\n`);
    const progress: ImportProgress[] = [];
    const result = await importFile({ orm, bus, party: 'dealer-aarhus', file, batchSize: 10, onProgress: (event) => progress.push(event) });
    expect(result).toMatchObject({ rows: 25, accepted: 0, rejected: 25 });
    expect(progress.map((event) => event.rejected)).toEqual([10, 20, 25]);
    expect((await rejectsOf(result.rejectsFile)).map((line) => Number(line.row))).toEqual(Array.from({ length: 25 }, (_, index) => index + 2));
    expect(await fork().count(DeadLetterEntity, { party: 'dealer-aarhus', errorCode: 'INVALID_ROW', source: { kind: 'file', file } })).toBe(25);
  });

  it('fails before reading the file for an unknown party, and before publishing for a mapping that does not fit the header', async () => {
    const file = join(dir, 'unknown.csv');
    await writeFile(file, 'externalId,familyName\nX-1,Weiß\n');
    const outbox = await fork().count(OutboxMessageEntity, {});
    await expect(importFile({ orm, bus, party: 'dealer-hamburg', file })).rejects.toMatchObject({
      code: 'UNKNOWN_PARTY',
      message: 'Party dealer-hamburg is not registered: register it before importing its files',
    });
    expect(existsSync(`${file}.rejects.csv`)).toBe(false);
    await expect(importFile({ orm, bus, party: 'dealer-berlin', file, mapping: { externalId: 'Kundennr', familyName: 'Nachname' } })).rejects.toMatchObject({
      code: 'MAPPING_DOES_NOT_FIT',
      message:
        'The file\'s columns do not fit the mapping: externalId: names column "Kundennr", which the file does not have; familyName: names column "Nachname", which the file does not have (columns: externalId, familyName)',
    });
    expect(existsSync(`${file}.rejects.csv`)).toBe(false);
    await expect(importFile({ orm, bus, party: 'dealer-berlin', file, mapping: { externalId: 'externalId', phones: 'Mobil' } })).rejects.toMatchObject({
      code: 'INVALID_MAPPING',
      issues: [{ path: 'phones', message: 'must be a list of columns' }],
    });
    const utf16 = join(dir, 'utf16.csv');
    await writeFile(utf16, Buffer.from('\ufeffexternalId,familyName\nX-1,Weiß\n', 'utf16le'));
    await expect(importFile({ orm, bus, party: 'dealer-berlin', file: utf16 })).rejects.toMatchObject({ code: 'UNREADABLE_FILE' });
    await writeFile(utf16, Buffer.from('externalId,familyName\nX-1,Weiß\n', 'utf16le'));
    await expect(importFile({ orm, bus, party: 'dealer-berlin', file: utf16 })).rejects.toMatchObject({ code: 'UNREADABLE_FILE' });
    expect(await fork().count(OutboxMessageEntity, {})).toBe(outbox);
    expect((await stat(file)).size).toBeGreaterThan(0);
  });
});
