import { card, h, show, table } from '../dom.js';
import { failureBanner, gql } from '../graphql.js';
import {
  CONSENT_STATUS_LABELS,
  DATA_SET_LABELS,
  PARTY_LABELS,
  STATUS_LABELS,
  wan,
  when,
} from '../i18n.js';
import type { PartyPage } from '../main.js';

/**
 * An enterprise's own pages: its needs and their progress, its consents (grant and revoke), and
 * who saw its data, read from the disclosure log as a timeline.
 */
export const page: PartyPage = async (root, claims) => {
  const enterpriseId = claims.org ?? '';
  const render = async () => {
    const [needs, consents, timeline] = await Promise.all([
      needsCard(),
      consentsCard(enterpriseId, () => void render()),
      disclosuresCard(),
    ]);
    show(
      root,
      h('h1', {}, '企业服务 · My enterprise'),
      h('div', { class: 'grid' }, needs, consents, timeline),
    );
  };
  await render();
};

const NEEDS = `query ConsoleMyNeeds {
  financingNeeds(first: 50) {
    nodes { id amount termMonths purpose status submittedAt assignedAt solutionDueAt mainBank { name } declineReason }
  }
}`;

async function needsCard(): Promise<HTMLElement> {
  const answer = await gql<{
    financingNeeds: {
      nodes: {
        id: string;
        amount: string;
        termMonths: number;
        purpose: string;
        status: string;
        submittedAt: string;
        solutionDueAt: string | null;
        mainBank: { name: string } | null;
        declineReason: string | null;
      }[];
    } | null;
  }>(NEEDS);
  const needs = answer.data?.financingNeeds?.nodes ?? [];
  return card(
    'my-needs',
    '我的融资需求 · My financing needs',
    failureBanner(answer),
    table(
      [
        '需求 · Need',
        '金额 · Amount',
        '用途 · Purpose',
        '进度 · Progress',
        '主办银行 · Main bank',
        '方案期限 · Solution due',
      ],
      needs.map((need) => [
        need.id,
        wan(need.amount),
        need.purpose,
        h(
          'span',
          { class: `status status-${need.status}` },
          STATUS_LABELS[need.status] ?? need.status,
          need.declineReason ? ` (${need.declineReason})` : '',
        ),
        need.mainBank?.name ?? '—',
        when(need.solutionDueAt),
      ]),
      '暂无需求 · No needs',
    ),
  );
}

const CONSENTS = `query ConsoleConsents {
  consents(first: 100) { nodes { id bank { id name } dataSets purpose grantedAt expiresAt revokedAt status } }
  banks { id name }
}`;

interface ConsentRow {
  id: string;
  bank: { id: string; name: string };
  dataSets: string[];
  purpose: string;
  grantedAt: string;
  expiresAt: string;
  status: string;
}

async function consentsCard(enterpriseId: string, refresh: () => void): Promise<HTMLElement> {
  const answer = await gql<{
    consents: { nodes: ConsentRow[] } | null;
    banks: { id: string; name: string }[] | null;
  }>(CONSENTS);
  const consents = answer.data?.consents?.nodes ?? [];
  const status = h('p', { class: 'hint', id: 'consent-status' });
  const run = async (query: string, variables: Record<string, unknown>) => {
    const result = await gql(query, variables);
    if (result.errors.length) return show(status, result.errors.map((e) => e.message).join('; '));
    refresh();
  };
  const revoke = (id: string) => () =>
    void run('mutation ConsoleRevoke($id: ID!) { revokeConsent(id: $id) { id status } }', { id });
  return card(
    'consents',
    '数据授权 · My consents',
    failureBanner(answer),
    status,
    table(
      [
        '银行 · Bank',
        '数据 · Data',
        '用途 · Purpose',
        '授权 · Granted',
        '到期 · Expires',
        '状态 · Status',
        '',
      ],
      consents.map((c) => [
        c.bank.name,
        c.dataSets.map((d) => DATA_SET_LABELS[d] ?? d).join(', '),
        c.purpose,
        when(c.grantedAt),
        when(c.expiresAt),
        CONSENT_STATUS_LABELS[c.status] ?? c.status,
        c.status === 'ACTIVE'
          ? h(
              'button',
              {
                type: 'button',
                class: 'revoke',
                'data-consent': c.id,
                'data-bank': c.bank.id,
                onclick: revoke(c.id),
              },
              '撤销 · Revoke',
            )
          : '',
      ]),
      '暂无授权 · No consents',
    ),
    grantForm(enterpriseId, answer.data?.banks ?? [], (input) =>
      run(
        'mutation ConsoleGrant($input: GrantConsentInput!) { grantConsent(input: $input) { id status } }',
        { input },
      ),
    ),
  );
}

function grantForm(
  enterpriseId: string,
  banks: { id: string; name: string }[],
  grant: (input: Record<string, unknown>) => void,
): HTMLElement {
  const bank = h(
    'select',
    { name: 'bank' },
    ...banks.map((b) => h('option', { value: b.id }, b.name)),
  );
  const sets = Object.entries(DATA_SET_LABELS).map(([value, label]) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'dataSet', value }), label),
  );
  const purpose = h('input', { name: 'purpose', value: '融资对接 · financing', required: true });
  const form = h(
    'form',
    { id: 'grant-consent', class: 'inline' },
    h('h3', {}, '新增授权 · Grant a consent'),
    h('label', {}, '银行 · Bank ', bank),
    h('div', { class: 'checks' }, ...sets),
    h('label', {}, '用途 · Purpose ', purpose),
    h('button', { type: 'submit' }, '授权 · Grant'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const dataSets = [
      ...form.querySelectorAll<HTMLInputElement>('input[name=dataSet]:checked'),
    ].map((i) => i.value);
    grant({ enterpriseId, bankId: bank.value, dataSets, purpose: purpose.value });
  });
  return form;
}

const DISCLOSURES = `query ConsoleDisclosures {
  disclosures(first: 100) { nodes { seq at party org operationName fields basis { policy dataSet consentId } purpose } }
}`;

async function disclosuresCard(): Promise<HTMLElement> {
  const answer = await gql<{
    disclosures: {
      nodes: {
        seq: string;
        at: string;
        party: string;
        org: string | null;
        operationName: string | null;
        fields: string[];
        basis: { policy: string; dataSet: string | null; consentId: string | null }[];
        purpose: string | null;
      }[];
    } | null;
  }>(DISCLOSURES);
  const entries = answer.data?.disclosures?.nodes ?? [];
  return card(
    'who-saw-my-data',
    '谁查看了我的数据 · Who saw my data',
    failureBanner(answer),
    entries.length === 0
      ? h('p', { class: 'empty' }, '暂无记录 · Nobody yet')
      : h(
          'ol',
          { class: 'timeline' },
          ...entries.map((d) =>
            h(
              'li',
              { 'data-party': d.party, 'data-org': d.org ?? '' },
              h('time', {}, when(d.at)),
              h('strong', {}, `${PARTY_LABELS[d.party] ?? d.party}${d.org ? ` · ${d.org}` : ''}`),
              h('span', {}, ` ${d.fields.join(', ')}`),
              h(
                'small',
                {},
                ` 依据 · basis: ${d.basis.map((b) => [b.policy, b.dataSet, b.consentId].filter(Boolean).join(' ')).join(', ')}${d.operationName ? ` · ${d.operationName}` : ''}`,
              ),
            ),
          ),
        ),
  );
}
