import { card, h, show, table } from '../dom.js';
import { failureBanner, field, gql, type Answer } from '../graphql.js';
import { STATUS_LABELS, wan, when } from '../i18n.js';
import type { PartyPage } from '../main.js';

/**
 * A bank's account manager: the prospect list with its claim button, the needs assigned to the
 * bank with their due times, its solutions, credit lines and loans. Every field comes from the
 * bank's own token: an enterprise's contact shows only with its consent or as main bank.
 */
export const page: PartyPage = async (root, claims) => {
  const render = async () => {
    const [prospects, assigned, lines] = await Promise.all([
      prospectCard(() => void render()),
      assignedCard(claims.org ?? ''),
      creditCard(),
    ]);
    show(
      root,
      h('h1', {}, '客户经理工作台 · Account manager'),
      h('div', { class: 'grid' }, prospects, assigned, lines),
    );
  };
  await render();
};

const CONTACT = 'contact { contactPerson phone }';

const PROSPECTS = `query ConsoleProspects {
  prospectFeed(first: 50) {
    nodes { needId removed need { id amount termMonths purpose status enterprise { id name industry ${CONTACT} } } }
  }
}`;

interface NeedRow {
  id: string;
  amount: string;
  termMonths: number;
  purpose: string;
  status: string;
  enterprise: {
    id: string;
    name: string;
    contact: { contactPerson: string; phone: string } | null;
  };
}

const contactOf = (answer: Answer<unknown>, path: (string | number)[], need: NeedRow) =>
  field(
    answer,
    [...path, 'enterprise', 'contact'],
    need.enterprise.contact,
    (c) => `${c.contactPerson} ${c.phone}`,
  );

async function prospectCard(refresh: () => void): Promise<HTMLElement> {
  const answer = await gql<{
    prospectFeed: { nodes: { needId: string; removed: boolean; need: NeedRow | null }[] } | null;
  }>(PROSPECTS);
  const entries = (answer.data?.prospectFeed?.nodes ?? []).map((entry, index) => ({
    entry,
    index,
  }));
  const live = entries.filter(({ entry }) => !entry.removed && entry.need?.status === 'OPEN');
  const status = h('p', { class: 'hint', id: 'claim-status' });
  const claim = (needId: string) => async () => {
    const result = await gql<{
      claimFinancingNeed: { need: { id: string; status: string } } | null;
    }>('mutation ConsoleClaim($id: ID!) { claimFinancingNeed(id: $id) { need { id status } } }', {
      id: needId,
    });
    if (result.errors.length) return show(status, result.errors.map((e) => e.message).join('; '));
    refresh();
  };
  return card(
    'prospects',
    '潜在客户 · Prospect list',
    failureBanner(answer),
    status,
    table(
      [
        '企业 · Enterprise',
        '金额 · Amount',
        '期限 · Term',
        '用途 · Purpose',
        '联系方式 · Contact',
        '',
      ],
      live.map(({ entry, index }) => {
        const need = entry.need!;
        return [
          need.enterprise.name,
          wan(need.amount),
          `${need.termMonths} 月`,
          need.purpose,
          contactOf(answer, ['prospectFeed', 'nodes', index, 'need'], need),
          h(
            'button',
            { type: 'button', class: 'claim', 'data-need': need.id, onclick: claim(need.id) },
            '抢单 · Claim',
          ),
        ];
      }),
      '暂无可抢需求 · No open needs',
    ),
  );
}

const ASSIGNED = `query ConsoleAssigned($bank: ID!) {
  financingNeeds(filter: { mainBankId: $bank }, first: 50) {
    nodes {
      id amount termMonths purpose status assignedAt solutionDueAt overdue
      enterprise { id name ${CONTACT} }
      solutions { id amount rate termMonths proposedAt }
    }
  }
}`;

type AssignedNeed = NeedRow & {
  assignedAt: string | null;
  solutionDueAt: string | null;
  overdue: boolean;
  solutions:
    { id: string; amount: string; rate: string; termMonths: number; proposedAt: string }[] | null;
};

async function assignedCard(bank: string): Promise<HTMLElement> {
  const answer = await gql<{ financingNeeds: { nodes: AssignedNeed[] } | null }>(ASSIGNED, {
    bank,
  });
  const needs = answer.data?.financingNeeds?.nodes ?? [];
  return card(
    'assigned',
    '主办需求 · Needs assigned to us',
    failureBanner(answer),
    table(
      [
        '需求 · Need',
        '企业 · Enterprise',
        '金额 · Amount',
        '状态 · Status',
        '方案期限 · Solution due',
        '联系方式 · Contact',
        '方案 · Solutions',
      ],
      needs.map((need, index) => [
        need.id,
        need.enterprise.name,
        wan(need.amount),
        STATUS_LABELS[need.status] ?? need.status,
        h(
          'span',
          { class: need.overdue ? 'overdue' : '' },
          when(need.solutionDueAt),
          need.overdue ? ' 超时 · overdue' : '',
        ),
        contactOf(answer, ['financingNeeds', 'nodes', index], need),
        field(
          answer,
          ['financingNeeds', 'nodes', index, 'solutions'],
          need.solutions,
          (solutions) =>
            solutions.length
              ? solutions.map((s) => `${wan(s.amount)} @ ${s.rate} / ${s.termMonths} 月`).join('; ')
              : '待出方案 · Awaiting a solution',
        ),
      ]),
      '暂无主办需求 · No needs assigned',
    ),
  );
}

const LINES = `query ConsoleCreditLines {
  creditLines(first: 50) {
    nodes { id amount rate termMonths approvedOn outstanding enterprise { name } loans { id amount outstanding disbursedOn maturesOn status firstLoan } }
  }
}`;

async function creditCard(): Promise<HTMLElement> {
  const answer = await gql<{
    creditLines: {
      nodes: {
        id: string;
        amount: string;
        rate: string;
        termMonths: number;
        approvedOn: string;
        outstanding: string;
        enterprise: { name: string };
        loans: {
          id: string;
          amount: string;
          outstanding: string;
          disbursedOn: string;
          maturesOn: string;
          status: string;
          firstLoan: boolean;
        }[];
      }[];
    } | null;
  }>(LINES);
  const lines = answer.data?.creditLines?.nodes ?? [];
  return card(
    'credit-lines',
    '授信与贷款 · Credit lines and loans',
    failureBanner(answer),
    table(
      [
        '授信 · Line',
        '企业 · Enterprise',
        '额度 · Amount',
        '利率 · Rate',
        '批准 · Approved',
        '余额 · Outstanding',
        '贷款 · Loans',
      ],
      lines.map((line) => [
        line.id,
        line.enterprise.name,
        wan(line.amount),
        line.rate,
        line.approvedOn,
        wan(line.outstanding),
        line.loans.length
          ? h(
              'ul',
              { class: 'loans' },
              ...line.loans.map((loan) =>
                h(
                  'li',
                  {},
                  `${wan(loan.amount)} · ${loan.disbursedOn} → ${loan.maturesOn} · ${loan.status}`,
                  loan.firstLoan ? ' · 首贷 first loan' : '',
                ),
              ),
            )
          : '—',
      ]),
      '暂无授信 · No credit lines',
    ),
  );
}
