/** Finance's copy of the library, copied again from the library itself (an upgrade's step). */

import { asc, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../../subgraphs/kernel/db.js';
import * as financeTables from '../../subgraphs/finance/tables.js';
import * as techTables from '../../subgraphs/tech/tables.js';
import {
  libraryProfiles,
  upsertProfiles,
} from '../../subgraphs/finance/enterprise-profiles/index.js';

const BATCH = 2_000;

/**
 * Finance's copies that lack an attribute the library now sends (rows copied before it was), or
 * that are missing: what `refreshProfiles` would write.
 */
export async function staleProfiles(tech: Db, finance: Db): Promise<number> {
  const p = financeTables.enterpriseProfiles;
  const [{ incomplete }] = await finance
    .select({ incomplete: sql<number>`count(*)::int` })
    .from(p)
    .where(or(isNull(p.name), isNull(p.uscc), isNull(p.stage), isNull(p.patents)));
  const [{ copies }] = await finance.select({ copies: sql<number>`count(*)::int` }).from(p);
  const [{ library }] = await tech
    .select({ library: sql<number>`count(*)::int` })
    .from(techTables.enterprises);
  return incomplete + Math.max(0, library - copies);
}

/**
 * Writes finance's copy of every enterprise of the library, in batches, as the library's own
 * writes send it (an unchanged copy is left as it is, so it touches no need). Returns how many
 * enterprises were read.
 */
export async function refreshProfiles(
  tech: Db,
  finance: Db,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const e = techTables.enterprises;
  const [{ total }] = await tech.select({ total: sql<number>`count(*)::int` }).from(e);
  let done = 0;
  let after = '';
  onProgress?.(0, total);
  for (;;) {
    const library = await tech
      .select()
      .from(e)
      .where(gt(e.id, after))
      .orderBy(asc(e.id))
      .limit(BATCH);
    if (library.length === 0) break;
    const ids = library.map((row) => row.id);
    const patents = await tech
      .select({
        enterpriseId: techTables.patents.enterpriseId,
        kind: techTables.patents.kind,
        status: techTables.patents.status,
      })
      .from(techTables.patents)
      .where(inArray(techTables.patents.enterpriseId, ids));
    await upsertProfiles(finance, libraryProfiles(library, patents));
    done += library.length;
    after = ids[ids.length - 1];
    onProgress?.(done, total);
  }
  return done;
}
