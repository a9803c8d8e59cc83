import { drawChart, type Series } from '../charts.js';
import { card, h, show, table, type Child } from '../dom.js';
import { failureBanner, field, gql, withheldBadge, type Answer } from '../graphql.js';
import { ratio, STATUS_LABELS, wan, when } from '../i18n.js';
import type { PartyPage } from '../main.js';

/**
 * The finance office's and the PBOC's dashboard: credit statistics as charts, the SLA board,
 * relending quota use and the risk pool. Both read the same operations; what a party may not
 * read comes back withheld and is shown so.
 */
export const page: PartyPage = async (root) => {
  // The exchange's business dates are Xianning's (Asia/Shanghai), wherever the browser is.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const year = Number(today.slice(0, 4));
  const period = { from: `${year}-01-01`, to: today };
  const sections = h('div', { class: 'grid' });
  show(
    root,
    h('h1', {}, '监测看板 · Oversight dashboard'),
    h('p', { class: 'hint' }, `${period.from} – ${period.to}`),
    sections,
  );
  const [credit, sla, funds] = await Promise.all([
    creditCards(period, year),
    slaCards(period),
    fundCards(),
  ]);
  sections.append(...credit, ...sla, ...funds);
  // Charts draw once their cards are in the page, where they have a size.
  for (const draw of pendingCharts.splice(0)) draw();
};

const pendingCharts: (() => void)[] = [];

function chart(id: string, categories: string[], series: Series[]): HTMLElement {
  const element = h('div', { class: 'chart', id });
  pendingCharts.push(() => drawChart(element, categories, series));
  return element;
}

const num = (money: string | null | undefined) => (money == null ? null : Number(money) / 10_000);
const pct = (decimal: string | null | undefined) =>
  decimal == null ? null : Math.round(Number(decimal) * 1000) / 10;

/** A section withheld as a whole (its list came back null with a denial), or its content. */
function guarded(answer: Answer<unknown>, path: string[], content: () => Child | Child[]) {
  const denied = answer.withheld(path);
  return denied ? withheldBadge(denied) : content();
}

interface BankRow {
  bankId: string;
  bank: { name: string };
}

const CREDIT = `query ConsoleCredit($from: Date!, $to: Date!, $year: Int!) {
  creditStatistics(from: $from, to: $to) {
    banks { bankId bank { name } outstanding loansDisbursedAmount firstLoanEnterprises }
    cityTotals { outstanding loansDisbursedAmount firstLoanEnterprises }
  }
  creditGrowth(from: $from, to: $to, against: SAME_PERIOD_LAST_YEAR) {
    banks { bankId loansDisbursedAmountGrowth }
  }
  earlySpring(year: $year) {
    banks { bankId bank { name } current { loansDisbursedAmount } previous { loansDisbursedAmount } loansDisbursedAmountGrowth }
    cityTotals { current { loansDisbursedAmount } previous { loansDisbursedAmount } loansDisbursedAmountGrowth }
  }
}`;

type CreditData = {
  creditStatistics: {
    banks:
      | (BankRow & {
          outstanding: string;
          loansDisbursedAmount: string;
          firstLoanEnterprises: number;
        })[]
      | null;
  } | null;
  creditGrowth: {
    banks: { bankId: string; loansDisbursedAmountGrowth: string | null }[] | null;
  } | null;
  earlySpring: {
    banks:
      | (BankRow & {
          current: { loansDisbursedAmount: string };
          previous: { loansDisbursedAmount: string };
          loansDisbursedAmountGrowth: string | null;
        })[]
      | null;
    cityTotals: {
      current: { loansDisbursedAmount: string };
      previous: { loansDisbursedAmount: string };
      loansDisbursedAmountGrowth: string | null;
    } | null;
  } | null;
};

async function creditCards(period: { from: string; to: string }, year: number) {
  const answer = await gql<CreditData>(CREDIT, { ...period, year });
  const banks = answer.data?.creditStatistics?.banks ?? [];
  const growth = new Map(
    (answer.data?.creditGrowth?.banks ?? []).map((g) => [g.bankId, g.loansDisbursedAmountGrowth]),
  );
  const names = banks.map((b) => b.bank.name);
  const spring = answer.data?.earlySpring;
  const springBanks = spring?.banks ?? [];
  return [
    card(
      'credit-balance',
      '贷款余额与同比增长 · Balance and growth per bank',
      failureBanner(answer),
      guarded(answer, ['creditStatistics', 'banks'], () =>
        chart('chart-balance', names, [
          { name: '余额(万元) · Balance (10k yuan)', data: banks.map((b) => num(b.outstanding)) },
          {
            name: '放款同比 · Lending YoY (%)',
            kind: 'line',
            percent: true,
            data: banks.map((b) => pct(growth.get(b.bankId))),
          },
        ]),
      ),
    ),
    card(
      'first-loans',
      '首贷户 · First loans per bank',
      guarded(answer, ['creditStatistics', 'banks'], () =>
        chart('chart-first-loans', names, [
          {
            name: '首贷企业数 · First-loan enterprises',
            data: banks.map((b) => b.firstLoanEnterprises),
          },
        ]),
      ),
    ),
    card(
      'early-spring',
      `早春行 · Early Spring: Q1 ${year} against Q1 ${year - 1}`,
      guarded(answer, ['earlySpring', 'banks'], () => [
        chart(
          'chart-early-spring',
          springBanks.map((b) => b.bank.name),
          [
            {
              name: `Q1 ${year - 1}`,
              data: springBanks.map((b) => num(b.previous.loansDisbursedAmount)),
            },
            {
              name: `Q1 ${year}`,
              data: springBanks.map((b) => num(b.current.loansDisbursedAmount)),
            },
          ],
        ),
        spring?.cityTotals
          ? h(
              'p',
              { class: 'total' },
              `全市 · City: ${wan(spring.cityTotals.current.loansDisbursedAmount)} (Q1 ${year - 1}: ${wan(spring.cityTotals.previous.loansDisbursedAmount)}, ${ratio(spring.cityTotals.loansDisbursedAmountGrowth)})`,
            )
          : null,
      ]),
    ),
  ];
}

const SLA = `query ConsoleSla($from: Date!, $to: Date!) {
  serviceStatistics(from: $from, to: $to) {
    banks { bankId bank { name } needsAssigned solutionsOnTime solutionsLate stillOverdue awaitingSolution slaCompliance claims claimsDeclined claimDeclineRatio }
  }
  overdueNeedsByBank { bank { id name } count oldestDueAt }
}`;

type SlaData = {
  serviceStatistics: {
    banks:
      | (BankRow & {
          needsAssigned: number;
          solutionsOnTime: number;
          solutionsLate: number;
          stillOverdue: number;
          awaitingSolution: number;
          slaCompliance: string | null;
          claims: number;
          claimsDeclined: number;
          claimDeclineRatio: string | null;
        })[]
      | null;
  } | null;
  overdueNeedsByBank:
    { bank: { id: string; name: string }; count: number; oldestDueAt: string }[] | null;
};

async function slaCards(period: { from: string; to: string }) {
  const [answer, statuses] = await Promise.all([gql<SlaData>(SLA, period), needsPerStatus()]);
  const service = answer.data?.serviceStatistics?.banks ?? [];
  const overdue = answer.data?.overdueNeedsByBank ?? [];
  return [
    card('needs-by-status', '需求状态 · Needs per status', statuses),
    card(
      'overdue-by-bank',
      '超时未出方案 · Overdue per main bank',
      failureBanner(answer),
      guarded(answer, ['overdueNeedsByBank'], () => [
        chart(
          'chart-overdue',
          overdue.map((o) => o.bank.name),
          [{ name: '超时需求 · Overdue needs', data: overdue.map((o) => o.count) }],
        ),
        table(
          ['银行 · Bank', '超时 · Overdue', '最早到期 · Oldest due'],
          overdue.map((o) => [o.bank.name, o.count, when(o.oldestDueAt)]),
          '无超时 · Nothing overdue',
        ),
      ]),
    ),
    card(
      'sla-board',
      'SLA 看板 · SLA board',
      guarded(answer, ['serviceStatistics', 'banks'], () => [
        chart(
          'chart-decline',
          service.map((s) => s.bank.name),
          [
            {
              name: '退单率 · Decline ratio (%)',
              data: service.map((s) => pct(s.claimDeclineRatio)),
            },
            { name: '按时率 · On time (%)', data: service.map((s) => pct(s.slaCompliance)) },
          ],
        ),
        table(
          [
            '银行 · Bank',
            '分派 · Assigned',
            '按时 · On time',
            '超时 · Late',
            '仍超时 · Still overdue',
            '抢单 · Claims',
            '退单 · Declined',
            '退单率 · Decline ratio',
          ],
          service.map((s) => [
            s.bank.name,
            s.needsAssigned,
            s.solutionsOnTime,
            s.solutionsLate,
            s.stillOverdue,
            s.claims,
            s.claimsDeclined,
            ratio(s.claimDeclineRatio),
          ]),
          '本期无数据 · No data for the period',
        ),
      ]),
    ),
  ];
}

/** Needs counted per status, page by page (at most 20 pages of 100). */
async function needsPerStatus(): Promise<Child | Child[]> {
  const counts = new Map<string, number>();
  let after: string | null = null;
  for (let page = 0; page < 20; page++) {
    const answer: Answer<{
      financingNeeds: {
        nodes: { status: string }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      } | null;
    }> = await gql(
      `query ConsoleNeedStatuses($after: String) { financingNeeds(first: 100, after: $after) { nodes { status } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    const denied = answer.withheld(['financingNeeds']);
    if (denied) return withheldBadge(denied);
    const needs = answer.data?.financingNeeds;
    for (const need of needs?.nodes ?? [])
      counts.set(need.status, (counts.get(need.status) ?? 0) + 1);
    if (!needs?.pageInfo.hasNextPage) break;
    after = needs.pageInfo.endCursor;
  }
  const statuses = Object.keys(STATUS_LABELS);
  return chart(
    'chart-needs-status',
    statuses.map((s) => STATUS_LABELS[s]),
    [{ name: '需求数 · Needs', data: statuses.map((s) => counts.get(s) ?? 0) }],
  );
}

const FUNDS = `query ConsoleFunds {
  relendingUseByBank { bankId bank { name } quotas quotaAmount quotaUsed quotaRemaining loans loanAmount }
  riskPool { balance funded paid ratio capPerLoan capPerBankYear }
}`;

type FundsData = {
  relendingUseByBank:
    | (BankRow & {
        quotas: number;
        quotaAmount: string;
        quotaUsed: string;
        quotaRemaining: string;
        loans: number;
        loanAmount: string;
      })[]
    | null;
  riskPool: {
    balance: string;
    funded: string;
    paid: string;
    ratio: string;
    capPerLoan: string;
    capPerBankYear: string;
  } | null;
};

async function fundCards() {
  const answer = await gql<FundsData>(FUNDS);
  const uses = answer.data?.relendingUseByBank ?? [];
  const pool = answer.data?.riskPool;
  return [
    card(
      'relending',
      '再贷款额度使用 · Relending quota use',
      failureBanner(answer),
      guarded(answer, ['relendingUseByBank'], () => [
        chart(
          'chart-relending',
          uses.map((u) => u.bank.name),
          [
            { name: '已用(万元) · Used', stack: 'quota', data: uses.map((u) => num(u.quotaUsed)) },
            {
              name: '剩余(万元) · Remaining',
              stack: 'quota',
              data: uses.map((u) => num(u.quotaRemaining)),
            },
          ],
        ),
        table(
          ['银行 · Bank', '额度 · Quotas', '总额 · Amount', '已用 · Used', '贷款笔数 · Loans'],
          uses.map((u) => [u.bank.name, u.quotas, wan(u.quotaAmount), wan(u.quotaUsed), u.loans]),
          '无再贷款额度 · No quotas',
        ),
      ]),
    ),
    card(
      'risk-pool',
      '风险补偿资金池 · Risk pool',
      h(
        'dl',
        { class: 'figures' },
        h('dt', {}, '余额 · Balance'),
        h(
          'dd',
          { id: 'risk-pool-balance' },
          field(answer, ['riskPool'], pool, (p) => wan(p.balance)),
        ),
        h('dt', {}, '注资 · Funded'),
        h(
          'dd',
          {},
          field(answer, ['riskPool'], pool, (p) => wan(p.funded)),
        ),
        h('dt', {}, '已补偿 · Paid'),
        h(
          'dd',
          {},
          field(answer, ['riskPool'], pool, (p) => wan(p.paid)),
        ),
        h('dt', {}, '补偿比例 · Ratio'),
        h(
          'dd',
          {},
          field(answer, ['riskPool'], pool, (p) => ratio(p.ratio)),
        ),
      ),
    ),
  ];
}
