import type { enterpriseProfiles } from './tables.js';

/** The library attributes the read model copies, as the technology bureau keeps them. */
export interface LibraryEntry {
  id: string;
  district: string;
  industry: string;
  highTechCertificate?: string | null;
  libraryStatus: string;
  /** Counted from the library's patents (`pledgeablePatentCounts`); none when left out. */
  pledgeablePatents?: number;
}

/** The patent attributes the read model counts, as the technology bureau keeps them. */
export interface PatentEntry {
  enterpriseId: string;
  status: string;
  pledgeStatus?: string | null;
}

/** Granted patents not under pledge, per enterprise: what an IP-pledge loan can lend against. */
export function pledgeablePatentCounts(patents: readonly PatentEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const patent of patents) {
    if (patent.status !== 'GRANTED' || (patent.pledgeStatus ?? 'NONE') === 'PLEDGED') continue;
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
    pledgeablePatents: entry.pledgeablePatents ?? 0,
  };
}
