import postgres from 'postgres';
import type { DatabaseUrls } from './databases.js';

/** The rows the operations are asked about, chosen from the seeded data. */
export interface Fixtures {
  /** The bank every bank-side operation runs as. */
  bankId: string;
  /** An enterprise that granted that bank an active consent to all four data sets, with patents. */
  enterpriseId: string;
  /** Needs open to all banks, for the claims; restored by `restoreNeeds` afterwards. */
  openNeedIds: string[];
}

const ALL_DATA_SETS = '{CONTACT,FINANCIALS,PATENT_VALUATION,CREDIT_HISTORY}';

export async function chooseFixtures(urls: DatabaseUrls): Promise<Fixtures> {
  const exchange = postgres(urls.exchange, { max: 1 });
  const tech = postgres(urls.tech, { max: 1 });
  const finance = postgres(urls.finance, { max: 1 });
  try {
    const consents = await exchange`
      select enterprise_id, bank_id from consents
      where revoked_at is null and expires_at > now() + interval '1 day'
        and data_sets @> ${ALL_DATA_SETS}::text[]
      order by enterprise_id, bank_id limit 200`;
    if (consents.length === 0)
      throw new Error('no active consent to all four data sets in the seed');
    const rich = await tech`
      select e.id from enterprises e
      where e.id = any(${consents.map((c) => c.enterprise_id)}::text[])
        and exists (select 1 from patents p where p.enterprise_id = e.id)
        and exists (select 1 from annual_financials f where f.enterprise_id = e.id)
      order by e.id limit 1`;
    const chosen = consents.find((c) => c.enterprise_id === rich[0]?.id) ?? consents[0];
    const open = await finance`
      select id from financing_needs
      where status = 'OPEN' and visibility = 'OPEN_TO_ALL_BANKS' order by id`;
    return {
      bankId: chosen.bank_id,
      enterpriseId: chosen.enterprise_id,
      openNeedIds: open.map((n) => n.id as string),
    };
  } finally {
    await Promise.all([exchange.end(), tech.end(), finance.end()]);
  }
}

/** The needs as they were before any claim, and when: what `restoreNeeds` puts back. */
export interface NeedsSnapshot {
  rows: unknown[];
  /** The database's clock when taken: claims recorded after it are the run's own. */
  at: Date;
}

export async function snapshotNeeds(urls: DatabaseUrls, ids: string[]): Promise<NeedsSnapshot> {
  const finance = postgres(urls.finance, { max: 1 });
  try {
    const [{ at }] = await finance`select now() as at`;
    const rows = await finance`
      select to_jsonb(n) as row from financing_needs n where id = any(${ids}::text[])`;
    return { rows: rows.map((r) => r.row), at: at as Date };
  } finally {
    await finance.end();
  }
}

/**
 * Puts the claimed needs back as they were; only those, so that the others keep their place in
 * the prospect feed (the restored ones get new feed stamps: that is a real change). The claims
 * the run recorded on them go too: the claim throttle reads a bank's recent claims, so claims
 * left from one run (or one target) would make the next one's claims dearer.
 */
export async function restoreNeeds(urls: DatabaseUrls, snapshot: NeedsSnapshot): Promise<void> {
  if (snapshot.rows.length === 0) return;
  const finance = postgres(urls.finance, { max: 1 });
  try {
    const rows = snapshot.rows as postgres.JSONValue;
    await finance.begin(async (tx) => {
      await tx`
        update financing_needs n
        set status = s.status, main_bank_id = s.main_bank_id, main_bank_basis = s.main_bank_basis,
            assigned_at = s.assigned_at, solution_due_at = s.solution_due_at,
            accepted_at = s.accepted_at, updated_at = s.updated_at
        from jsonb_populate_recordset(null::financing_needs, ${tx.json(rows)}) s
        where n.id = s.id
          and (n.status, n.main_bank_id) is distinct from (s.status, s.main_bank_id)`;
      await tx`
        delete from need_claims c
        using jsonb_populate_recordset(null::financing_needs, ${tx.json(rows)}) s
        where c.need_id = s.id and c.claimed_at >= ${snapshot.at}`;
    });
  } finally {
    await finance.end();
  }
}
