import { sql } from 'drizzle-orm';
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { badInput, forbidden } from '../../kernel/errors.js';
import type {
  District,
  EnterpriseResolvers,
  EnterpriseStage,
  Resolvers,
} from '../generated/resolvers.js';
import type { FinanceLoaders } from '../loaders.js';
import type { ProfileRow } from '../repository.js';
import { enterpriseProfiles } from '../tables.js';

/** The library attributes the read model copies, as the technology bureau keeps them. */
export interface LibraryEntry {
  id: string;
  name: string;
  uscc: string;
  district: string;
  industry: string;
  stage: string;
  highTechCertificate?: string | null;
  libraryStatus: string;
  /** Counted from the library's patents (`patentCounts`); none when left out. */
  patents?: PatentCounts;
}

/** The patent attributes the read model counts, as the technology bureau keeps them. */
export interface PatentEntry {
  enterpriseId: string;
  kind: string;
  status: string;
}

/** An enterprise's patents as the copy counts them: the public counts of `PatentStats`. */
export interface PatentCounts {
  total: number;
  inventions: number;
  /**
   * Granted patents: what an IP-pledge product can consider. Whether they are under pledge is
   * PATENT_VALUATION data, gated per bank by consent; a count that left pledged patents out would
   * tell every reader of a recommendation what the gate withholds.
   */
  granted: number;
}

/** The kinds `PatentStats.inventions` counts (as the technology bureau's subgraph does). */
export const INVENTION_KINDS: readonly string[] = ['INVENTION', 'PCT_INVENTION'];

const NO_PATENTS: PatentCounts = { total: 0, inventions: 0, granted: 0 };

/** Public patent counts per enterprise. */
export function patentCounts(patents: readonly PatentEntry[]): Map<string, PatentCounts> {
  const counts = new Map<string, PatentCounts>();
  for (const patent of patents) {
    const count = counts.get(patent.enterpriseId) ?? { ...NO_PATENTS };
    count.total += 1;
    if (INVENTION_KINDS.includes(patent.kind)) count.inventions += 1;
    if (patent.status === 'GRANTED') count.granted += 1;
    counts.set(patent.enterpriseId, count);
  }
  return counts;
}

/** One `enterprise_profiles` row from one enterprise of the technology bureau's library. */
export function enterpriseProfileOf(entry: LibraryEntry): typeof enterpriseProfiles.$inferInsert {
  const patents = entry.patents ?? NO_PATENTS;
  return {
    enterpriseId: entry.id,
    name: entry.name,
    uscc: entry.uscc,
    district: entry.district,
    industry: entry.industry,
    stage: entry.stage,
    highTech: entry.highTechCertificate != null,
    highTechCertificate: entry.highTechCertificate ?? null,
    libraryStatus: entry.libraryStatus,
    patents: patents.total,
    inventions: patents.inventions,
    grantedPatents: patents.granted,
  };
}

/** The copies of these library enterprises, their patents counted from `patents`. */
export function libraryProfiles(
  library: readonly Omit<LibraryEntry, 'patents'>[],
  patents: readonly PatentEntry[],
): (typeof enterpriseProfiles.$inferInsert)[] {
  const counts = patentCounts(patents);
  return library.map((entry) => enterpriseProfileOf({ ...entry, patents: counts.get(entry.id) }));
}

/** The columns a copy takes from the library. */
const COPIED = [
  'name',
  'uscc',
  'district',
  'industry',
  'stage',
  'highTech',
  'highTechCertificate',
  'libraryStatus',
  'patents',
  'inventions',
  'grantedPatents',
] as const satisfies readonly (keyof typeof enterpriseProfiles.$inferInsert)[];

/**
 * Writes copies of library profiles, new or replacing the ones kept (sending the same profile
 * again changes nothing: an unchanged copy is not written, so it touches no need).
 */
export async function upsertProfiles(
  db: Db,
  profiles: readonly (typeof enterpriseProfiles.$inferInsert)[],
): Promise<void> {
  if (profiles.length === 0) return;
  const columns = COPIED.map((key) => enterpriseProfiles[key]);
  const excluded = columns.map((column) => sql.raw(`excluded.${column.name}`));
  await db
    .insert(enterpriseProfiles)
    .values([...profiles])
    .onConflictDoUpdate({
      target: enterpriseProfiles.enterpriseId,
      set: {
        ...Object.fromEntries(COPIED.map((key, i) => [key, excluded[i]])),
        updatedAt: sql`now()`,
      },
      setWhere: sql`(${sql.join(columns, sql`, `)}) is distinct from (${sql.join(excluded, sql`, `)})`,
    });
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
  for (const count of ['grantedPatents', 'patents', 'inventions'] as const) {
    const value = profile[count];
    if (!Number.isInteger(value) || (value ?? 0) < 0) {
      throw badInput(`profile.${count}`, 'a count of zero or more');
    }
  }
  await upsertProfiles(db, [profile]);
  return true;
}

/**
 * An enterprise as this subgraph answers it: its key and, for a need's enterprise whose public
 * attributes the operation asks for, the copy they are read from (`null` when there is none).
 */
export interface EnterpriseRef {
  id: string;
  copy?: ProfileRow | null;
}

/**
 * A need's enterprise. When the operation asks for attributes kept in the copy, the copy is loaded
 * once here, so that each of them is then read from it without a loader call of its own.
 */
export function needEnterprise(
  enterpriseId: string,
  loaders: FinanceLoaders,
  info: GraphQLResolveInfo,
): EnterpriseRef | Promise<EnterpriseRef> {
  const ref = { __typename: 'Enterprise', id: enterpriseId };
  if (!info.fieldNodes.some((node) => asksForCopy(node.selectionSet))) return ref;
  return loaders.profile.load(enterpriseId).then((copy) => ({ ...ref, copy }));
}

/** Whether a selection asks for an attribute kept in the copy (a fragment spread counts as asking). */
function asksForCopy(selectionSet: SelectionSetNode | undefined): boolean {
  return (selectionSet?.selections ?? []).some((selection) => {
    if (selection.kind === Kind.FIELD) return FROM_COPY.has(selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT) return asksForCopy(selection.selectionSet);
    return true;
  });
}

/**
 * The copy of an enterprise's public attributes, for a need's enterprise. A row copied before these
 * attributes were is a fault of the data, named for the operator (the client sees an internal
 * error, as for any other).
 */
function complete(enterpriseId: string, row: ProfileRow | null): CopiedProfile {
  if (
    row === null ||
    row.name === null ||
    row.uscc === null ||
    row.stage === null ||
    row.patents === null ||
    row.inventions === null
  ) {
    throw new Error(
      `finance's copy of enterprise "${enterpriseId}" is missing or incomplete: run \`npm run profiles:refresh\``,
    );
  }
  return row as CopiedProfile;
}

type CopiedProfile = ProfileRow & {
  name: string;
  uscc: string;
  stage: EnterpriseStage;
  district: District;
  patents: number;
  inventions: number;
};

/** A resolver of one attribute from the copy: the one `needEnterprise` loaded, or loaded now. */
function fromCopy<T>(read: (copy: CopiedProfile) => T) {
  return (ref: EnterpriseRef, _: unknown, { loaders }: { loaders: FinanceLoaders }) =>
    ref.copy !== undefined
      ? read(complete(ref.id, ref.copy))
      : loaders.profile.load(ref.id).then((row) => read(complete(ref.id, row)));
}

// Asked of this subgraph only for a need's enterprise (`@provides` on `FinancingNeed.enterprise`).
const copiedAttributes = {
  name: fromCopy((copy) => copy.name),
  uscc: fromCopy((copy) => copy.uscc),
  district: fromCopy((copy) => copy.district),
  industry: fromCopy((copy) => copy.industry),
  stage: fromCopy((copy) => copy.stage),
  highTechCertificate: fromCopy((copy) => copy.highTechCertificate),
  patentStats: fromCopy((copy) => ({
    enterpriseId: copy.enterpriseId,
    total: copy.patents,
    inventions: copy.inventions,
    granted: copy.grantedPatents,
  })),
} satisfies EnterpriseResolvers;

/** The fields of `Enterprise` this subgraph answers from its copy. */
const FROM_COPY = new Set(Object.keys(copiedAttributes));

export const enterpriseProfileResolvers: Resolvers = {
  Mutation: {
    _syncEnterpriseProfile: (_, { profile }, { caller, database }) =>
      syncEnterpriseProfile(database, caller, profile),
  },
  Enterprise: copiedAttributes,
};
