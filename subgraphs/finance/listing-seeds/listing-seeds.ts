import { randomUUID } from 'node:crypto';
import type DataLoader from 'dataloader';
import { and, asc, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import * as clock from '../../kernel/clock.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict, forbidden } from '../../kernel/errors.js';
import { groupLoader } from '../../kernel/loader.js';
import { pageOf } from '../../kernel/pagination.js';
import { anyOf } from '../../kernel/sql.js';
import type { ClearListingTierInput, ListingTier, Resolvers } from '../generated/resolvers.js';
import { text } from '../needs/index.js';
import { enterpriseProfiles, listingTiers } from '../tables.js';
import { listingTierChanges } from './tables.js';

export type ListingTierChangeRow = typeof listingTierChanges.$inferSelect;
export type ListingSeedRow = typeof listingTiers.$inferSelect;

/** A decision on a tier: `setListingTier`'s input, or `clearListingTier`'s, without a tier. */
export type TierDecision = ClearListingTierInput & { tier?: ListingTier };

/** What a decision leaves: the tier now and the history entry it wrote (`ListingTierPayload`). */
export interface TierOutcome {
  enterpriseId: string;
  tier: ListingTier | null;
  change: ListingTierChangeRow;
}

/**
 * 上市后备 — the finance office names enterprises gold (金种子), silver (银种子) or STAR-market
 * (科创板种子) seeds, moves and clears them. Each decision writes the current tier and a history
 * entry in one transaction, serialised per enterprise by locking its library profile.
 */
/** The enterprise is in the library, and admitted to it when it is given a tier. */
async function requireSeedable(db: Db, enterpriseId: string, tier: string | null): Promise<void> {
  const [profile] = await db
    .select({ libraryStatus: enterpriseProfiles.libraryStatus })
    .from(enterpriseProfiles)
    .where(eq(enterpriseProfiles.enterpriseId, enterpriseId))
    .for('update');
  if (!profile) {
    throw badInput(
      'input.enterpriseId',
      `"${enterpriseId}" is not an enterprise of the sci-tech library (科创企业库)`,
    );
  }
  if (tier && profile.libraryStatus !== 'ADMITTED') {
    throw badInput(
      'input.enterpriseId',
      `"${enterpriseId}" is ${profile.libraryStatus} in the library: only an admitted (入库) enterprise becomes a listing seed`,
    );
  }
}

/** The enterprise's tier now, which a decision must change. */
async function currentTier(
  db: Db,
  enterpriseId: string,
  tier: ListingTier | null,
): Promise<ListingTier | null> {
  const [current] = await db
    .select()
    .from(listingTiers)
    .where(eq(listingTiers.enterpriseId, enterpriseId));
  const previousTier = current?.tier ?? null;
  if (previousTier === tier) {
    throw conflict(
      tier
        ? `enterprise "${enterpriseId}" is already ${tier}`
        : `enterprise "${enterpriseId}" is not a listing seed: there is no tier to clear`,
    );
  }
  return previousTier;
}

/** Decisions take effect in order: none before the enterprise's last change. */
async function requireAfterLastChange(
  db: Db,
  enterpriseId: string,
  effectiveOn: string,
): Promise<void> {
  const [last] = await db
    .select({ effectiveOn: listingTierChanges.effectiveOn })
    .from(listingTierChanges)
    .where(eq(listingTierChanges.enterpriseId, enterpriseId))
    .orderBy(desc(listingTierChanges.effectiveOn))
    .limit(1);
  if (last && effectiveOn < last.effectiveOn) {
    throw badInput(
      'input.effectiveOn',
      `must not be before the enterprise's last change, effective ${last.effectiveOn}; got ${effectiveOn}`,
    );
  }
}

export class ListingSeeds {
  private historyLoader?: DataLoader<string, ListingTierChangeRow[]>;

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  private requireFinanceOffice(): string {
    if (this.caller.party !== 'finance_office') {
      throw forbidden('only the finance office decides listing-seed tiers');
    }
    return this.caller.sub;
  }

  /** Sets `input.tier`, or clears the tier when it is absent. */
  async decide(input: TierDecision): Promise<TierOutcome> {
    const recordedBy = this.requireFinanceOffice();
    const reason = text(input.reason, 'input.reason');
    const today = clock.today();
    const effectiveOn = input.effectiveOn ?? today;
    if (effectiveOn > today) {
      throw badInput(
        'input.effectiveOn',
        `must not be in the future (today is ${today}), got ${effectiveOn}`,
      );
    }
    const tier = input.tier ?? null;
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      await requireSeedable(db, input.enterpriseId, tier);
      const previousTier = await currentTier(db, input.enterpriseId, tier);
      await requireAfterLastChange(db, input.enterpriseId, effectiveOn);
      if (tier) {
        await tx
          .insert(listingTiers)
          .values({ enterpriseId: input.enterpriseId, tier, since: clock.startOfDay(effectiveOn) })
          .onConflictDoUpdate({
            target: listingTiers.enterpriseId,
            set: { tier, since: clock.startOfDay(effectiveOn) },
          });
      } else {
        await tx.delete(listingTiers).where(eq(listingTiers.enterpriseId, input.enterpriseId));
      }
      const [change] = await tx
        .insert(listingTierChanges)
        .values({
          id: `ltc-${randomUUID()}`,
          enterpriseId: input.enterpriseId,
          tier,
          previousTier,
          reason,
          effectiveOn,
          recordedBy,
        })
        .returning();
      return { enterpriseId: input.enterpriseId, tier, change };
    });
  }

  /** Who is in the listing seeds: everyone sees the list, an enterprise only itself. */
  async list(tiers: ListingTier[] | null | undefined, limit: number, after?: string) {
    const t = listingTiers;
    const conditions: (SQL | undefined)[] = [];
    if (this.caller.party === 'enterprise') {
      conditions.push(this.caller.org ? eq(t.enterpriseId, this.caller.org) : sql`false`);
    }
    if (tiers?.length) conditions.push(inArray(t.tier, tiers));
    if (after) conditions.push(gt(t.enterpriseId, after));
    return this.db
      .select()
      .from(t)
      .where(and(...conditions))
      .orderBy(asc(t.enterpriseId))
      .limit(limit + 1);
  }

  /**
   * The history of one enterprise, oldest first. The gateway's policy (`unrestricted` or `self`)
   * already decided who may ask; the row filter repeats it so a subgraph never serves more.
   */
  historyOf(enterpriseId: string): Promise<ListingTierChangeRow[]> {
    this.historyLoader ??= groupLoader(
      async (ids) => {
        const c = listingTierChanges;
        let scope: SQL | undefined;
        if (this.caller.party === 'enterprise') scope = eq(c.enterpriseId, this.caller.org ?? '');
        else if (!this.caller.scopes.has('rows:all')) return [];
        return this.db
          .select()
          .from(c)
          .where(and(anyOf(c.enterpriseId, ids), scope))
          .orderBy(asc(c.enterpriseId), asc(c.effectiveOn), asc(c.recordedAt), asc(c.id));
      },
      (row) => row.enterpriseId,
    );
    return this.historyLoader.load(enterpriseId);
  }
}

const enterprise = (id: string) => ({ __typename: 'Enterprise', id });

export const listingSeedResolvers: Resolvers = {
  Query: {
    listingSeeds: (_, args, { listingSeeds, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => listingSeeds.list(args.tiers, limit, after),
        (row) => row.enterpriseId,
      ),
  },
  Mutation: {
    setListingTier: (_, { input }, { listingSeeds }) => listingSeeds.decide(input),
    clearListingTier: (_, { input }, { listingSeeds }) =>
      listingSeeds.decide({ ...input, tier: undefined }),
  },
  ListingTierPayload: {
    enterprise: (payload) => enterprise(payload.enterpriseId),
  },
  ListingSeed: {
    enterprise: (row) => enterprise(row.enterpriseId),
  },
  Enterprise: {
    listingTierHistory: (ref, _, { listingSeeds }) => listingSeeds.historyOf(ref.id),
  },
};
