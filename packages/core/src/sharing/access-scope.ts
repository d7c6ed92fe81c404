import type { DataClass, PartyId } from '@tandem/schema';
import { dataClasses } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { SharingAgreementEntity, type SharingAgreementRow } from './sharing-agreement.entity.js';

/** Who is looking: a party, and for an interaction-center agent the client it currently acts for. */
export interface Viewer {
  readonly party: PartyId;
  readonly actingFor?: PartyId;
}

/** What makes a piece of data visible: the viewer's own record, or a sharing agreement. */
export type Grant = { readonly kind: 'own' } | { readonly kind: 'agreement'; readonly agreementId: string };

const allClasses: ReadonlySet<DataClass> = new Set(dataClasses);

/**
 * The sharing policy evaluated for one viewer at one instant. Used by every read path and by
 * the outbound fan-out, so both always agree on what a party may see.
 *
 * An interaction center acting for client A sees only what A granted it, and of its own
 * activities only those made on A's behalf: two clients of one center never see each other's data.
 */
export class AccessScope {
  private constructor(
    readonly viewer: Viewer,
    private readonly grants: ReadonlyMap<PartyId, ReadonlyMap<DataClass, string>>,
  ) {}

  static fromAgreements(viewer: Viewer, agreements: readonly SharingAgreementRow[], at: Date): AccessScope {
    const grants = new Map<PartyId, Map<DataClass, string>>();
    for (const agreement of agreements) {
      if (agreement.grantee !== viewer.party || !isInForce(agreement, at)) continue;
      if (viewer.actingFor && agreement.grantor !== viewer.actingFor) continue;
      const classes = grants.get(agreement.grantor) ?? new Map<DataClass, string>();
      for (const dataClass of agreement.dataClasses) if (!classes.has(dataClass)) classes.set(dataClass, agreement.id);
      grants.set(agreement.grantor, classes);
    }
    return new AccessScope(viewer, grants);
  }

  /** Loads the agreements granted to the viewer that are in force at `at`. */
  static async load(em: Em, viewer: Viewer, at = new Date()): Promise<AccessScope> {
    const agreements = await em.find(SharingAgreementEntity, { grantee: viewer.party, revokedAt: null });
    return AccessScope.fromAgreements(viewer, agreements, at);
  }

  /** True when the viewer sees its own data unfiltered (not while acting for a client). */
  get ownsData(): boolean {
    return !this.viewer.actingFor;
  }

  /** How the viewer may see `dataClass` data that `owner` contributed, or undefined. */
  grantFor(owner: PartyId, dataClass: DataClass): Grant | undefined {
    if (owner === this.viewer.party && this.ownsData) return { kind: 'own' };
    const agreementId = this.grants.get(owner)?.get(dataClass);
    return agreementId ? { kind: 'agreement', agreementId } : undefined;
  }

  canSee(owner: PartyId, dataClass: DataClass): boolean {
    return this.grantFor(owner, dataClass) !== undefined;
  }

  /** Every party whose `dataClass` data the viewer may see (its own included when it owns data). */
  ownersVisibleFor(dataClass: DataClass): PartyId[] {
    const owners = [...this.grants].filter(([, classes]) => classes.has(dataClass)).map(([owner]) => owner);
    return this.ownsData ? [this.viewer.party, ...owners] : owners;
  }

  /**
   * Conditions on activities the viewer may see: other parties' activities under `activities`
   * grants, its own (acting for a client: only those on the client's behalf).
   */
  activityOwners(): { readonly owners: PartyId[]; readonly ownOnBehalfOf?: PartyId } {
    const owners = this.ownersVisibleFor('activities');
    return this.viewer.actingFor ? { owners, ownOnBehalfOf: this.viewer.actingFor } : { owners };
  }

  /** All data classes of one owner visible to the viewer. */
  classesFrom(owner: PartyId): ReadonlySet<DataClass> {
    if (owner === this.viewer.party && this.ownsData) return allClasses;
    return new Set(this.grants.get(owner)?.keys() ?? []);
  }
}

export function isInForce(agreement: Pick<SharingAgreementRow, 'validFrom' | 'validUntil' | 'revokedAt'>, at: Date): boolean {
  if (agreement.revokedAt && agreement.revokedAt <= at) return false;
  if (agreement.validFrom > at) return false;
  return !agreement.validUntil || agreement.validUntil > at;
}
