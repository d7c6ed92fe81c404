import type { PartyId } from '@tandem/schema';
import { ArgumentationAidEntity, type ArgumentationAidRow } from '../argumentation/argumentation-aid.entity.js';
import { quote } from '../database/bulk-sql.js';
import { referenceVersionTable, type Em } from '../database/orm.js';
import { RowReader } from '../database/read-rows.js';
import { PartyEntity, type PartyRow } from '../parties/party.entity.js';
import { SharingAgreementEntity, type SharingAgreementRow } from './sharing-agreement.entity.js';

/** The snapshot in use per database (forks of one ORM share its configuration object). */
const current = new WeakMap<object, ReferenceData>();

/**
 * The reference tables every request reads — parties, sharing agreements, argumentation aids — as
 * of one version of them. They change rarely (onboarding, an agreement granted or revoked), so a
 * request reads one token (`reference_version`, replaced by a trigger on every write to those
 * tables, in any process) and takes the rows from memory while it is unchanged: one statement
 * instead of three per customer-360, and a revocation still applies to the very next request.
 * What a snapshot holds it read at or after its token, so it is never older than the token says.
 */
export class ReferenceData {
  readonly #token: string;
  readonly #reads = new Map<string, Promise<readonly unknown[]>>();

  private constructor(token: string) {
    this.#token = token;
  }

  /** The snapshot of the reference tables as they are now: the cached one if its token is still current. */
  static async of(em: Em): Promise<ReferenceData> {
    const [row] = await new RowReader(em).query<{ token: string }>(`select "token" from ${quote(referenceVersionTable)}`, []);
    if (!row) throw new Error(`${referenceVersionTable} has no row: the database was not migrated`);
    const token = String(row.token);
    const cached = current.get(em.config);
    if (cached && cached.#token === token) return cached;
    const fresh = new ReferenceData(token);
    current.set(em.config, fresh);
    return fresh;
  }

  /** The parties among `ids` that are registered. */
  parties(em: Em, ids: readonly PartyId[]): Promise<readonly PartyRow[]> {
    return this.#read(`parties:${ids.join(',')}`, () => new RowReader(em).selectIn<PartyRow>(PartyEntity, 'id', ids));
  }

  /** The agreements granted to `grantee` that were not revoked (whether in force depends on the instant: `isInForce`). */
  agreementsGrantedTo(em: Em, grantee: PartyId): Promise<readonly SharingAgreementRow[]> {
    return this.#read(`agreements:${grantee}`, () => new RowReader(em).select<SharingAgreementRow>(SharingAgreementEntity, '"grantee" = ? and "revoked_at" is null', [grantee]));
  }

  /** The agreements `grantor` granted that were not revoked (whether in force depends on the instant: `isInForce`). */
  agreementsGrantedBy(em: Em, grantor: PartyId): Promise<readonly SharingAgreementRow[]> {
    return this.#read(`granted-by:${grantor}`, () => new RowReader(em).select<SharingAgreementRow>(SharingAgreementEntity, '"grantor" = ? and "revoked_at" is null', [grantor]));
  }

  /** Every argumentation aid of `brands`, newest first. */
  argumentationAids(em: Em, brands: readonly string[]): Promise<readonly ArgumentationAidRow[]> {
    if (brands.length === 0) return Promise.resolve([]);
    const distinct = [...new Set(brands)];
    return this.#read(`aids:${distinct.join(',')}`, () =>
      new RowReader(em).selectIn<ArgumentationAidRow>(ArgumentationAidEntity, 'brand', distinct, 'order by "created_at" desc, "id" desc'),
    );
  }

  /** One read per key and snapshot, shared by concurrent requests; a failed read is tried again by the next caller. */
  #read<Row>(key: string, read: () => Promise<Row[]>): Promise<readonly Row[]> {
    let rows = this.#reads.get(key) as Promise<readonly Row[]> | undefined;
    if (!rows) {
      rows = read();
      this.#reads.set(key, rows);
      rows.catch(() => this.#reads.delete(key));
    }
    return rows;
  }
}
