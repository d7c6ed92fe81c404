import type { PartyId } from '@tandem/schema';
import { TandemError } from '@tandem/schema';
import type { ArgumentationAidRow } from '../argumentation/argumentation-aid.entity.js';
import type { Em } from '../database/orm.js';
import type { PartyRow } from '../parties/party.entity.js';
import { AccessScope } from './access-scope.js';
import { ReferenceData } from './reference-data.js';

/** What a principal's party sees and speaks for on one request. */
export interface ViewerProfile {
  /** The sharing policy in force for the viewer. */
  readonly scope: AccessScope;
  /**
   * The brands the viewer speaks for: its party's, or for an interaction center acting for a
   * client, the client's (the center serves the client's customers under the client's brand).
   */
  readonly brands: readonly string[];
  /** The argumentation aids of those brands, newest first (read when first asked for). */
  readonly argumentationAids: () => Promise<readonly ArgumentationAidRow[]>;
}

/**
 * Resolves the sharing scope and brands of a principal's party from the reference data (one
 * statement while parties and agreements are unchanged). An interaction center must name the client it acts for
 * (one of its clients) before it sees any customer data; other parties never act for anyone.
 * Failures are FORBIDDEN with a code saying why.
 */
export async function viewerProfile(em: Em, party: PartyId, actingFor: PartyId | undefined, at = new Date()): Promise<ViewerProfile> {
  const ids = actingFor && actingFor !== party ? [party, actingFor] : [party];
  const reference = await ReferenceData.of(em);
  const rows = await reference.parties(em, ids);
  const row = rows.find((candidate) => candidate.id === party);
  if (!row) throw new TandemError('FORBIDDEN', 'UNKNOWN_PARTY', `party ${party} is not registered`);
  const refusal = actingForRefusal(row, actingFor);
  if (refusal) throw new TandemError('FORBIDDEN', refusal.code, refusal.message);
  const viewer = actingFor ? { party, actingFor } : { party };
  const scope = AccessScope.fromAgreements(viewer, await reference.agreementsGrantedTo(em, party), at);
  const brands = rows.find((candidate) => candidate.id === (actingFor ?? party))?.brands ?? [];
  return { scope, brands, argumentationAids: () => reference.argumentationAids(em, brands) };
}

/**
 * Why `party` may not act as stated, or undefined: an interaction center must name one of its
 * clients, every other party acts for itself only. Checked per request and when a credential is issued.
 */
export function actingForRefusal(party: Pick<PartyRow, 'id' | 'kind' | 'clients'>, actingFor: PartyId | undefined): { code: string; message: string } | undefined {
  if (party.kind === 'interaction_center') {
    if (!actingFor) return { code: 'ACTING_FOR_REQUIRED', message: `${party.id} is an interaction center: say which client it acts for` };
    if (!party.clients.includes(actingFor)) return { code: 'NOT_A_CLIENT', message: `${actingFor} is not a client of ${party.id}` };
    return undefined;
  }
  return actingFor ? { code: 'ACTING_FOR_NOT_ALLOWED', message: `only interaction centers act for a client; ${party.id} is a ${party.kind}` } : undefined;
}
