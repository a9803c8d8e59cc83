import { sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { badInput, forbidden } from '../../kernel/errors.js';
import type { Resolvers } from '../generated/resolvers.js';
import { enterpriseProfiles } from '../tables.js';

/** The library attributes the read model copies, as the technology bureau keeps them. */
export interface LibraryEntry {
  id: string;
  district: string;
  industry: string;
  highTechCertificate?: string | null;
  libraryStatus: string;
  /** Counted from the library's patents (`grantedPatentCounts`); none when left out. */
  grantedPatents?: number;
}

/** The patent attributes the read model counts, as the technology bureau keeps them. */
export interface PatentEntry {
  enterpriseId: string;
  status: string;
}

/**
 * Granted patents per enterprise: public data, what an IP-pledge product can consider. Whether
 * they are under pledge is PATENT_VALUATION data, gated per bank by consent; a count that left
 * pledged patents out would tell every reader of a recommendation what the gate withholds.
 */
export function grantedPatentCounts(patents: readonly PatentEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const patent of patents) {
    if (patent.status !== 'GRANTED') continue;
    counts.set(patent.enterpriseId, (counts.get(patent.enterpriseId) ?? 0) + 1);
  }
  return counts;
}

/** One `enterprise_profiles` row from one enterprise of the technology bureau's library. */
export function enterpriseProfileOf(entry: LibraryEntry): typeof enterpriseProfiles.$inferInsert {
  return {
    enterpriseId: entry.id,
    district: entry.district,
    industry: entry.industry,
    highTech: entry.highTechCertificate != null,
    libraryStatus: entry.libraryStatus,
    grantedPatents: entry.grantedPatents ?? 0,
  };
}

export type ProfileInput = Omit<typeof enterpriseProfiles.$inferInsert, 'updatedAt'>;

/**
 * The technology bureau's library is the source of truth; each of its writes that changes these
 * attributes sends the whole profile here (an upsert, so a repeated one changes nothing). A
 * changed profile touches the enterprise's needs (trigger), so filtered feeds look at them again.
 */
export async function syncEnterpriseProfile(
  db: Db,
  caller: Caller,
  profile: ProfileInput,
): Promise<boolean> {
  if (caller.actor !== 'tech') throw forbidden('library profiles are sent by the tech subgraph');
  if (!Number.isInteger(profile.grantedPatents) || (profile.grantedPatents ?? 0) < 0) {
    throw badInput('profile.grantedPatents', 'a count of zero or more');
  }
  const { enterpriseId: _, ...attributes } = profile;
  await db
    .insert(enterpriseProfiles)
    .values(profile)
    .onConflictDoUpdate({
      target: enterpriseProfiles.enterpriseId,
      set: { ...attributes, updatedAt: sql`now()` },
      // An unchanged profile is not written, so it touches no need.
      setWhere: sql`(${enterpriseProfiles.district}, ${enterpriseProfiles.industry}, ${enterpriseProfiles.highTech}, ${enterpriseProfiles.libraryStatus}, ${enterpriseProfiles.grantedPatents}) is distinct from (excluded.district, excluded.industry, excluded.high_tech, excluded.library_status, excluded.pledgeable_patents)`,
    });
  return true;
}

export const enterpriseProfileResolvers: Resolvers = {
  Mutation: {
    _syncEnterpriseProfile: (_, { profile }, { caller, database }) =>
      syncEnterpriseProfile(database, caller, profile),
  },
};
