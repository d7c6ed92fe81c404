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

/**
 * Who contributed a piece of customer data (a source record, contact point, address, vehicle
 * link, activity): the party that sent it and, for an interaction center, the client it acted for.
 */
export interface Contribution {
  readonly party: PartyId;
  readonly onBehalfOf?: PartyId | null;
}

/**
 * The party whose data a contribution is: the client an interaction center captured it for (the
 * center is its processor), else the party that sent it. Its agreements decide who else sees it.
 */
export function controllerOf(contribution: Contribution): PartyId {
  return contribution.onBehalfOf ?? contribution.party;
}

/** `controllerOf` for a stored or viewed value (contact point, address, vehicle link), which names its sender `sourceParty`. */
export function controllerOfValue(value: { readonly sourceParty: PartyId; readonly onBehalfOf?: PartyId | null }): PartyId {
  return value.onBehalfOf ?? value.sourceParty;
}

/**
 * The sharing policy evaluated for one viewer at one instant. Used by every read path and by
 * the outbound fan-out, so both always agree on what a party may see.
 *
 * Data is seen through its controller (`controllerOf`): an interaction center acting for client A
 * sees only what A granted it, and of its own contributions only those made on A's behalf; what
 * it captured for A reaches others only under A's agreements. Two clients of one center never see
 * each other's data.
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

  /**
   * How the viewer may see `dataClass` data of a contribution, or undefined. Its own
   * contributions are visible to it — acting for a client, only those made on that client's
   * behalf; anyone else's follow the agreements of their controller.
   */
  grantForContribution(contribution: Contribution, dataClass: DataClass): Grant | undefined {
    if (contribution.party === this.viewer.party) {
      const own = !this.viewer.actingFor || contribution.onBehalfOf === this.viewer.actingFor;
      return own ? { kind: 'own' } : undefined;
    }
    return this.grantFor(controllerOf(contribution), dataClass);
  }

  canSeeContribution(contribution: Contribution, dataClass: DataClass): boolean {
    return this.grantForContribution(contribution, dataClass) !== undefined;
  }

  /** May the viewer see this activity? `grantForContribution` with the `activities` class. */
  canSeeActivity(activity: Contribution): boolean {
    return this.canSeeContribution(activity, 'activities');
  }

  /** Mail or letter text of an activity: the same rule with the `content` data class. */
  canSeeActivityContent(activity: Contribution): boolean {
    return this.canSeeContribution(activity, 'content');
  }

  /** `canSeeActivity` as a query filter on the activity table (same rule, evaluated by the database). */
  activityFilter(): Record<string, unknown> {
    const grantors = this.grantorsOf('activities');
    const controllers = this.viewer.actingFor ? grantors : [...grantors, this.viewer.party];
    const own = this.viewer.actingFor ? { party: this.viewer.party, onBehalfOf: this.viewer.actingFor } : { party: this.viewer.party };
    const fromOthers = {
      party: { $ne: this.viewer.party },
      $or: [{ onBehalfOf: null, party: { $in: grantors } }, { onBehalfOf: { $in: controllers } }],
    };
    return { $or: [own, fromOthers] };
  }

  /** The parties whose `dataClass` data the viewer's agreements grant it (not its own). */
  grantorsOf(dataClass: DataClass): PartyId[] {
    return [...this.grants].filter(([, classes]) => classes.has(dataClass)).map(([owner]) => owner);
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
