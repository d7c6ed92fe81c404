import type { Party, PartyInput } from '@tandem/schema';
import { NotFoundError, party as partyContract, parseOrThrow } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { PartyEntity, type PartyRow } from './party.entity.js';

/** Registers a party or updates its profile (onboarding). Clients of an interaction center must exist. */
export async function upsertParty(em: Em, input: PartyInput): Promise<Party> {
  const party = parseOrThrow(partyContract, input);
  const existing = await em.findOne(PartyEntity, { id: party.id });
  if (existing) em.assign(existing, party);
  else em.create(PartyEntity, { ...party, createdAt: new Date() });
  await em.flush();
  return party;
}

export async function listParties(em: Em): Promise<Party[]> {
  const rows = await em.find(PartyEntity, {}, { orderBy: { id: 'asc' } });
  return rows.map(toParty);
}

export async function getParty(em: Em, id: string): Promise<Party> {
  const row = await em.findOne(PartyEntity, { id });
  if (!row) throw new NotFoundError('Party', id);
  return toParty(row);
}

function toParty(row: PartyRow): Party {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    country: row.country as Party['country'],
    timeZone: row.timeZone,
    brands: row.brands,
    businessHours: row.businessHours,
    clients: row.clients,
  };
}
