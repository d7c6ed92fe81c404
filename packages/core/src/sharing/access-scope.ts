import type { DataClass, PartyId } from '@tandem/schema';
import { dataClasses } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { RowReader } from '../database/read-rows.js';
import { SharingAgreementEntity, type SharingAgreementRow } from './sharing-agreement.entity.js';

/** Who is looking: a party, and for an interaction-center agent the client it currently acts for. */
export interface Viewer {
  readonly party: PartyId;
  readonly actingFor?: PartyId;
}

/** What makes a piece of data visible: the viewer's own record, or a sharing agreement. */
export type Grant = { readonly kind: 'own' } | { readonly kind: 'agreement'; readonly agreementId: string };

const allClasses: ReadonlySet<DataClass> = new Set(dataClasses);

/** Who made an activity, and for which client (interaction centers). */
export interface ActivityParties {
  readonly party: PartyId;
  readonly onBehalfOf?: PartyId | null;
}

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
    const agreements = await new RowReader(em).select<SharingAgreementRow>(SharingAgreementEntity, '"grantee" = ? and "revoked_at" is null', [viewer.party]);
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
   * May the viewer see this activity? An activity an interaction center made on behalf of a
   * client is that client's data (the center processes it): the client's agreements decide who
   * else sees it, so two clients of one center never see each other's contacts. Other activities
   * follow their party's agreements. The viewer's own are visible to it — acting for a client,
   * only those made on that client's behalf.
   */
  canSeeActivity(activity: ActivityParties): boolean {
    return this.activityGrant(activity, 'activities');
  }

  /** Mail or letter text of an activity: the same rule with the `content` data class. */
  canSeeActivityContent(activity: ActivityParties): boolean {
    return this.activityGrant(activity, 'content');
  }

  private activityGrant(activity: ActivityParties, dataClass: 'activities' | 'content'): boolean {
    if (activity.party === this.viewer.party) {
      return this.viewer.actingFor ? activity.onBehalfOf === this.viewer.actingFor : true;
    }
    const controller = activity.onBehalfOf ?? activity.party;
    return (controller === this.viewer.party && !this.viewer.actingFor) || this.canSee(controller, dataClass);
  }

  /** `canSeeActivity` as a query filter on the activity table (same rule, evaluated by the database). */
  activityFilter(): Record<string, unknown> {
    const grantors = [...this.grants].filter(([, classes]) => classes.has('activities')).map(([owner]) => owner);
    const controllers = this.viewer.actingFor ? grantors : [...grantors, this.viewer.party];
    const own = this.viewer.actingFor ? { party: this.viewer.party, onBehalfOf: this.viewer.actingFor } : { party: this.viewer.party };
    const fromOthers = {
      party: { $ne: this.viewer.party },
      $or: [{ onBehalfOf: null, party: { $in: grantors } }, { onBehalfOf: { $in: controllers } }],
    };
    return { $or: [own, fromOthers] };
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
