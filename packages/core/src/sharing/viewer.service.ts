import type { PartyId } from '@tandem/schema';
import { TandemError } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { RowReader } from '../database/read-rows.js';
import { PartyEntity, type PartyRow } from '../parties/party.entity.js';
import { AccessScope } from './access-scope.js';

/**
 * Resolves the sharing scope of a principal's party. An interaction center must name the client
 * it acts for (one of its clients) before it sees any customer data; other parties never act for
 * anyone. Failures are FORBIDDEN with a code saying why.
 */
export async function scopeForParty(em: Em, party: PartyId, actingFor: PartyId | undefined, at = new Date()): Promise<AccessScope> {
  const [row] = await new RowReader(em).select<PartyRow>(PartyEntity, '"id" = ?', [party]);
  if (!row) throw new TandemError('FORBIDDEN', 'UNKNOWN_PARTY', `party ${party} is not registered`);
  if (row.kind === 'interaction_center') {
    if (!actingFor) {
      throw new TandemError('FORBIDDEN', 'ACTING_FOR_REQUIRED', `${party} is an interaction center: say which client it acts for`);
    }
    if (!row.clients.includes(actingFor)) {
      throw new TandemError('FORBIDDEN', 'NOT_A_CLIENT', `${actingFor} is not a client of ${party}`);
    }
  } else if (actingFor) {
    throw new TandemError('FORBIDDEN', 'ACTING_FOR_NOT_ALLOWED', `only interaction centers act for a client; ${party} is a ${row.kind}`);
  }
  return AccessScope.load(em, actingFor ? { party, actingFor } : { party }, at);
}
