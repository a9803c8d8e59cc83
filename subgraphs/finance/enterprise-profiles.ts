import type { enterpriseProfiles } from './tables.js';

/** The library attributes the read model copies, as the technology bureau keeps them. */
export interface LibraryEntry {
  id: string;
  district: string;
  industry: string;
  highTechCertificate?: string | null;
  libraryStatus: string;
}

/** One `enterprise_profiles` row from one enterprise of the technology bureau's library. */
export function enterpriseProfileOf(entry: LibraryEntry): typeof enterpriseProfiles.$inferInsert {
  return {
    enterpriseId: entry.id,
    district: entry.district,
    industry: entry.industry,
    highTech: entry.highTechCertificate != null,
    libraryStatus: entry.libraryStatus,
  };
}
