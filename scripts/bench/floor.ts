import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { decodeJwt } from 'jose';
import postgres from 'postgres';
import { loadConfig, SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { readJsonBody, sendJson } from '../../subgraphs/kernel/http.js';
import { displayPatentNumber } from '../../subgraphs/kernel/identifiers.js';
import { fenToYuan } from '../../subgraphs/kernel/money.js';
import { encodeFeedCursor } from '../../subgraphs/finance/needs/index.js';
import { leafHash } from '../../subgraphs/exchange/log-hash.js';
import { PAGE } from './operations.js';

/** The floor seals its cursors as the feed does, with a key of its own. */
const CURSOR_SEALING = randomBytes(32);

/**
 * The physical floor: the benchmark's operations answered by hand-written SQL (postgres.js, no
 * ORM, no GraphQL, no federation) against the same four databases, in one process, with the same
 * result content, over the same HTTP and JSON. It trusts the token's claims without verifying
 * them and does only what the answer needs — including, for the dossier, the consent check and the
 * hash-chained disclosure-log entry, which the answer may not be given without.
 */
const config = loadConfig();
const pools = Object.fromEntries(
  SUBGRAPH_NAMES.map((name) => [
    name,
    postgres(config.databaseUrls[name]!, { max: 4, onnotice: () => {} }),
  ]),
) as Record<SubgraphName, postgres.Sql>;
const { tech, finance, banks, exchange } = pools;

const LIVE_WITH_MAIN_BANK = ['ASSIGNED', 'SOLUTION_PROPOSED', 'CREDIT_APPROVED'];
const iso = (value: Date | null) => (value ? value.toISOString() : null);
const money = (value: string | number | null) => (value === null ? null : fenToYuan(value));

interface Claims {
  sub: string;
  party: string;
  org: string | null;
}

async function prospectFeed(caller: Claims, first: number) {
  const bank = caller.org!;
  const [{ horizon, held_back }] = await finance`
    select pg_snapshot_xmin(pg_current_snapshot())::text as horizon,
           exists (select 1 from financing_needs
                   where change_xid >= pg_snapshot_xmin(pg_current_snapshot())) as held_back`;
  const needs = await finance`
    select id, enterprise_id, amount_fen, term_months, purpose, collateral, visibility, status,
           submitted_at, change_xid::text as xid, change_seq,
           (select count(*) from financing_need_changes c
            where c.need_id = financing_needs.id and c.change_seq <= financing_needs.change_seq)::int
             as change_ordinal
    from financing_needs
    where change_xid < ${horizon}::xid8 and (change_xid, change_seq) > ('0'::xid8, 0::bigint)
      and ((visibility = 'OPEN_TO_ALL_BANKS' and status = 'OPEN')
        or (main_bank_id = ${bank} and status = any(${LIVE_WITH_MAIN_BANK}::text[])))
    order by change_xid, change_seq
    limit ${first + 1}`;
  const page = needs.slice(0, first);
  const needIds = page.map((n) => n.id as string);
  const enterpriseIds = [...new Set(page.map((n) => n.enterprise_id as string))];
  const [products, enterprises] = await Promise.all([
    // The bank's products on show are read once (materialized), as the subgraph reads them.
    finance`
      with bank_products as materialized (
        select * from financial_products where bank_id = ${bank} and published and not hidden)
      select n.id as need_id, r.id, r.name, r.category, r.rate_floor::text as rate_floor,
             r.max_amount_fen, r.bank_id
      from financing_needs n
      left join enterprise_profiles ep on ep.enterprise_id = n.enterprise_id
      cross join lateral (
        select case when coalesce(ep.pledgeable_patents, 0) > 0 then n.collateral
                    else array_remove(n.collateral, 'PATENT_PLEDGE') end as givable
      ) g
      cross join lateral (
        select p.*, (select count(*) from unnest(p.collateral) as kind
                     where kind = any(g.givable))::int as fit
        from bank_products p
        where p.min_amount_fen <= n.amount_fen
          and p.max_amount_fen >= n.amount_fen and p.max_term_months >= n.term_months
          and (p.collateral && g.givable or 'NONE' = any(p.collateral))
          and (not p.requires_high_tech or coalesce(ep.high_tech, false))
          and (not p.requires_patents or coalesce(ep.pledgeable_patents, 0) > 0)
        order by fit desc, p.rate_floor, p.id
        limit 3
      ) r
      where n.id = any(${needIds}::text[])
      order by n.id, r.fit desc, r.rate_floor, r.id`,
    tech`
      select e.id, e.name, e.uscc, e.district, e.industry, e.stage, e.high_tech_certificate,
             count(p.id)::int as total,
             (count(p.id) filter (where p.kind in ('INVENTION', 'PCT_INVENTION')))::int as inventions,
             (count(p.id) filter (where p.status = 'GRANTED'))::int as granted
      from enterprises e left join patents p on p.enterprise_id = e.id
      where e.id = any(${enterpriseIds}::text[])
      group by e.id`,
  ]);
  const bankIds = [...new Set(products.map((p) => p.bank_id as string))];
  const bankRows = bankIds.length
    ? await banks`select id, name from banks where id = any(${bankIds}::text[])`
    : [];
  const bankName = new Map(bankRows.map((b) => [b.id, b.name]));
  const productsByNeed = new Map<string, unknown[]>();
  for (const p of products) {
    const list = productsByNeed.get(p.need_id) ?? [];
    list.push({
      id: p.id,
      name: p.name,
      category: p.category,
      rateFloor: p.rate_floor,
      maxAmount: money(p.max_amount_fen),
      bank: { id: p.bank_id, name: bankName.get(p.bank_id) },
    });
    productsByNeed.set(p.need_id, list);
  }
  const enterprise = new Map(enterprises.map((e) => [e.id, e]));
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        bank,
        {
          districts: null,
          industries: null,
          highTechOnly: null,
          libraryStatuses: null,
          collateral: null,
          minAmount: null,
          maxAmount: null,
        },
      ]),
    )
    .digest('base64url')
    .slice(0, 12);
  const hasNextPage = needs.length > first;
  const last = page[page.length - 1];
  return {
    prospectFeed: {
      nodes: page.map((n) => {
        const e = enterprise.get(n.enterprise_id)!;
        return {
          needId: n.id,
          change: String(n.change_ordinal),
          removed: false,
          need: {
            id: n.id,
            amount: money(n.amount_fen),
            termMonths: n.term_months,
            purpose: n.purpose,
            collateral: n.collateral,
            visibility: n.visibility,
            status: n.status,
            submittedAt: iso(n.submitted_at),
            enterprise: {
              id: e.id,
              name: e.name,
              uscc: e.uscc,
              district: e.district,
              industry: e.industry,
              stage: e.stage,
              highTechCertificate: e.high_tech_certificate,
              patentStats: { total: e.total, inventions: e.inventions, granted: e.granted },
            },
          },
          matchingProducts: productsByNeed.get(n.id) ?? [],
        };
      }),
      pageInfo: {
        hasNextPage,
        endCursor: hasNextPage
          ? encodeFeedCursor({ x: last.xid, s: Number(last.change_seq) }, key, CURSOR_SEALING)
          : encodeFeedCursor({ x: horizon, s: 0 }, key, CURSOR_SEALING),
      },
      caughtUp: !hasNextPage && !held_back,
    },
  };
}

function summaryOf(row: postgres.Row | undefined) {
  return {
    totalApproved: money(row?.total ?? 0),
    outstanding: money(row?.outstanding ?? 0),
    lenders: row?.lenders ?? 0,
    creditLines: row?.lines ?? 0,
    firstLoanOn: row?.first_loan_on ?? null,
  };
}

function creditSummary(enterpriseId: string, bankId: string | null) {
  const lineScope = bankId ? banks`and cl.bank_id = ${bankId}` : banks``;
  const loanScope = bankId ? banks`and bank_id = ${bankId}` : banks``;
  return banks`
    select sum(cl.amount_fen)::text as total, coalesce(sum(pl.outstanding), 0)::text as outstanding,
           count(distinct cl.bank_id)::int as lenders, count(*)::int as lines,
           min(pl.first_loan_on)::text as first_loan_on
    from credit_lines cl
    left join (
      select credit_line_id, sum(outstanding_fen) as outstanding,
             min(disbursed_on) filter (where first_loan) as first_loan_on
      from loans where enterprise_id = ${enterpriseId} ${loanScope}
      group by credit_line_id
    ) pl on pl.credit_line_id = cl.id
    where cl.enterprise_id = ${enterpriseId} ${lineScope}`;
}

async function dossier(caller: Claims, requestId: string, id: string) {
  const bank = caller.org!;
  const [[e], patents, financials, needs, own, pooled, consents] = await Promise.all([
    tech`
      select id, uscc, name, district, industry, stage, founded_on::text as founded_on,
             high_tech_certificate, tech_sme_registered, library_status,
             legal_representative, contact_person, phone, address
      from enterprises where id = ${id}`,
    tech`
      select id, number, kind, title, status, filed_on::text as filed_on,
             granted_on::text as granted_on, ipc_class, valuation_fen, pledge_status
      from patents where enterprise_id = ${id} order by id`,
    tech`
      select year, revenue_fen, rd_expense_fen, employees, tech_staff, total_assets_fen
      from annual_financials where enterprise_id = ${id} order by year desc`,
    finance`
      select id, amount_fen, term_months, purpose, status, visibility, submitted_at
      from financing_needs
      where enterprise_id = ${id}
        and ((visibility = 'OPEN_TO_ALL_BANKS' and status = 'OPEN') or main_bank_id = ${bank})
      order by id`,
    creditSummary(id, bank),
    creditSummary(id, null),
    exchange`
      select id, data_sets, purpose, granted_at, expires_at, revoked_at,
             (revoked_at is null and expires_at > now()) as active
      from consents where enterprise_id = ${id} and bank_id = ${bank} order by id`,
  ]);
  if (!e) return { enterprise: null };
  const consentFor = (dataSet: string) =>
    consents.find((c) => c.active && (c.data_sets as string[]).includes(dataSet))?.id as
      string | undefined;
  const granted = {
    'Enterprise.contact': consentFor('CONTACT'),
    'Enterprise.financials': consentFor('FINANCIALS'),
    'Patent.valuation': patents.length ? consentFor('PATENT_VALUATION') : undefined,
    'Enterprise.pooledCreditSummary': consentFor('CREDIT_HISTORY'),
  };
  const dataSetOf: Record<string, string> = {
    'Enterprise.contact': 'CONTACT',
    'Enterprise.financials': 'FINANCIALS',
    'Patent.valuation': 'PATENT_VALUATION',
    'Enterprise.pooledCreditSummary': 'CREDIT_HISTORY',
  };
  const disclosed = Object.entries(granted).filter(([, consentId]) => consentId);
  if (disclosed.length) {
    const bases = disclosed.map(([field, consentId]) => ({
      policy: 'consent' as const,
      dataSet: dataSetOf[field],
      consentId,
    }));
    const entry = {
      at: new Date(),
      requestId,
      operationName: 'Dossier',
      party: caller.party,
      org: bank,
      subject: caller.sub,
      enterpriseId: id,
      fields: disclosed.map(([field]) => field).sort(),
      basis: bases,
      purpose: 'consent',
      prevHash: null,
    };
    // As the log writes: the entry with its leaf hash, queued for the sequencer, in one statement.
    await exchange`
      with written as (
        insert into disclosures (at, request_id, operation_name, party, org, subject,
          enterprise_id, fields, basis, purpose, prev_hash, hash)
        values (${entry.at}, ${requestId}, ${entry.operationName}, ${entry.party}, ${bank},
          ${entry.subject}, ${id}, ${entry.fields}, ${exchange.json(bases)}, ${entry.purpose},
          null, ${leafHash(entry)})
        returning seq)
      insert into log_queue (seq) select seq from written`;
  }
  const withheld = (field: keyof typeof granted) => !granted[field];
  const now = Date.now();
  return {
    enterprise: {
      id: e.id,
      uscc: e.uscc,
      name: e.name,
      district: e.district,
      industry: e.industry,
      stage: e.stage,
      foundedOn: e.founded_on,
      highTechCertificate: e.high_tech_certificate,
      techSmeRegistered: e.tech_sme_registered,
      libraryStatus: e.library_status,
      patentStats: {
        total: patents.length,
        inventions: patents.filter((p) => p.kind === 'INVENTION' || p.kind === 'PCT_INVENTION')
          .length,
        utilityModels: patents.filter(
          (p) => p.kind === 'UTILITY_MODEL' || p.kind === 'PCT_UTILITY_MODEL',
        ).length,
        designs: patents.filter((p) => p.kind === 'DESIGN').length,
        granted: patents.filter((p) => p.status === 'GRANTED').length,
        pledged: patents.filter((p) => p.pledge_status === 'PLEDGED').length,
      },
      patents: patents.map((p) => ({
        id: p.id,
        number: displayPatentNumber(p.number, p.status === 'GRANTED'),
        kind: p.kind,
        title: p.title,
        status: p.status,
        filedOn: p.filed_on,
        grantedOn: p.granted_on,
        ipcClass: p.ipc_class,
        valuation: withheld('Patent.valuation') ? null : money(p.valuation_fen),
      })),
      contact: withheld('Enterprise.contact')
        ? null
        : {
            legalRepresentative: e.legal_representative,
            contactPerson: e.contact_person,
            phone: e.phone,
            address: e.address,
          },
      financials: withheld('Enterprise.financials')
        ? null
        : financials.map((f) => ({
            year: f.year,
            revenue: money(f.revenue_fen),
            rdExpense: money(f.rd_expense_fen),
            employees: f.employees,
            techStaff: f.tech_staff,
            totalAssets: money(f.total_assets_fen),
          })),
      financingNeeds: needs.map((n) => ({
        id: n.id,
        amount: money(n.amount_fen),
        termMonths: n.term_months,
        purpose: n.purpose,
        status: n.status,
        visibility: n.visibility,
        submittedAt: iso(n.submitted_at),
      })),
      creditSummary: summaryOf(own[0]),
      pooledCreditSummary: withheld('Enterprise.pooledCreditSummary') ? null : summaryOf(pooled[0]),
      consents: consents.map((c) => ({
        id: c.id,
        dataSets: c.data_sets,
        purpose: c.purpose,
        grantedAt: iso(c.granted_at),
        expiresAt: iso(c.expires_at),
        status: c.revoked_at ? 'REVOKED' : c.expires_at.getTime() <= now ? 'EXPIRED' : 'ACTIVE',
      })),
    },
  };
}

/** The statement of BanksRepository.creditStatistics for a caller reading every row. */
async function statistics(from: string, to: string) {
  const rows = await banks`
    with approved as (
      select bank_id, count(*)::int as lines, sum(amount_fen) as lines_fen
      from credit_lines where approved_on between ${from} and ${to}
      group by grouping sets ((bank_id), ())
    ), disbursed as (
      select bank_id, count(*)::int as loans, sum(amount_fen) as loans_fen,
             (count(distinct enterprise_id) filter (where first_loan))::int as first_loan_enterprises
      from loans where disbursed_on between ${from} and ${to}
      group by grouping sets ((bank_id), ())
    ), balance as (
      select bank_id, sum(outstanding_fen) as outstanding_fen
      from loans where outstanding_fen > 0 and disbursed_on <= ${to}
      group by grouping sets ((bank_id), ())
    ), keys as (
      select id as bank_id, name from banks union all select null, null
    )
    select k.bank_id, k.name, coalesce(a.lines, 0) as lines,
           coalesce(a.lines_fen, 0)::text as lines_fen, coalesce(d.loans, 0) as loans,
           coalesce(d.loans_fen, 0)::text as loans_fen,
           coalesce(d.first_loan_enterprises, 0) as first_loan_enterprises,
           coalesce(b.outstanding_fen, 0)::text as outstanding_fen,
           (select count(*)::int from (
              select bank_id from approved where bank_id is not null
              union select bank_id from disbursed where bank_id is not null) as active) as active_banks
    from keys k
    left join approved a on a.bank_id is not distinct from k.bank_id
    left join disbursed d on d.bank_id is not distinct from k.bank_id
    left join balance b on b.bank_id is not distinct from k.bank_id
    order by k.bank_id nulls last`;
  const figures = (r: postgres.Row) => ({
    creditLinesApproved: r.lines,
    creditLinesApprovedAmount: money(r.lines_fen),
    loansDisbursed: r.loans,
    loansDisbursedAmount: money(r.loans_fen),
    firstLoanEnterprises: r.first_loan_enterprises,
    outstanding: money(r.outstanding_fen),
  });
  const totals = rows.find((r) => r.bank_id === null)!;
  return {
    creditStatistics: {
      from,
      to,
      banks: rows
        .filter((r) => r.bank_id !== null)
        .map((r) => ({ bankId: r.bank_id, bank: { name: r.name }, ...figures(r) })),
      cityTotals: { ...figures(totals), activeBanks: totals.active_banks },
    },
  };
}

async function claim(caller: Claims, id: string) {
  const bank = caller.org!;
  const [need] = await finance`
    update financing_needs
    set status = 'ASSIGNED', main_bank_id = ${bank}, main_bank_basis = 'CLAIMED',
        assigned_at = now(), solution_due_at = now() + interval '1 day', accepted_at = null
    where id = ${id} and status = 'OPEN' and visibility = 'OPEN_TO_ALL_BANKS'
    returning id, status, main_bank_basis`;
  if (!need) throw new Error(`financing need "${id}" cannot be claimed`);
  const [row] = await banks`select id, name from banks where id = ${bank}`;
  return {
    claimFinancingNeed: {
      need: {
        id: need.id,
        status: need.status,
        mainBankBasis: need.main_bank_basis,
        mainBank: { id: row.id, name: row.name },
      },
    },
  };
}

let served = 0;
const server = http.createServer(async (req, res) => {
  if (req.url === '/health') return sendJson(res, 200, { status: 'ok' });
  try {
    const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const claims = decodeJwt(token) as unknown as Claims;
    const body = (await readJsonBody(req, 1_000_000)) as {
      operationName: string;
      variables: Record<string, string & number>;
    };
    const v = body.variables ?? {};
    const requestId = `floor-${process.pid}-${++served}`;
    let data: unknown;
    switch (body.operationName) {
      case 'ProspectFeed':
        data = await prospectFeed(claims, v.first ?? PAGE);
        break;
      case 'Dossier':
        data = await dossier(claims, requestId, v.id);
        break;
      case 'QuarterStatistics':
        data = await statistics(v.from, v.to);
        break;
      case 'Claim':
        data = await claim(claims, v.id);
        break;
      default:
        return sendJson(res, 400, { errors: [{ message: `no floor for ${body.operationName}` }] });
    }
    sendJson(res, 200, { data });
  } catch (error) {
    sendJson(res, 200, { errors: [{ message: (error as Error).message }] });
  }
});
server.keepAliveTimeout = 65_000;
server.listen(config.gatewayPort, config.host, () =>
  console.log(`floor on http://${config.host}:${config.gatewayPort}/`),
);
process.on('SIGTERM', () => process.exit(0));
