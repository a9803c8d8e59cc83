import { h, show } from './dom.js';
import { gql, session } from './graphql.js';
import { PARTY_LABELS } from './i18n.js';

interface DevOffer {
  parties: string[];
}

/** Whether this gateway mints development tokens (development mode on a loopback address only). */
async function devOffer(): Promise<DevOffer | null> {
  const response = await fetch('/console/dev-token', { headers: { accept: 'application/json' } });
  return response.ok ? ((await response.json()) as DevOffer) : null;
}

async function mintDevToken(party: string, org: string | null): Promise<string> {
  const response = await fetch('/console/dev-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ party, org }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body.token;
}

/** The banks and enterprises to pick from, read with a finance-office dev token. */
async function devOrganisations(): Promise<Record<'bank' | 'enterprise', [string, string][]>> {
  const token = await mintDevToken('finance_office', null);
  const answer = await gql<{
    banks: { id: string; name: string }[] | null;
    enterprises: { nodes: { id: string; name: string }[] } | null;
  }>(
    'query ConsoleDevOrgs { banks { id name } enterprises(first: 100) { nodes { id name } } }',
    {},
    token,
  );
  return {
    bank: (answer.data?.banks ?? []).map((b) => [b.id, b.name]),
    enterprise: (answer.data?.enterprises?.nodes ?? []).map((e) => [e.id, e.name]),
  };
}

function devForm(offer: DevOffer, done: () => void): HTMLElement {
  const party = h(
    'select',
    { name: 'party' },
    ...offer.parties.map((p) => h('option', { value: p }, PARTY_LABELS[p] ?? p)),
  );
  const org = h('select', { name: 'org', disabled: true });
  const status = h('p', { class: 'hint' });
  let orgs: Awaited<ReturnType<typeof devOrganisations>> | null = null;
  const refreshOrgs = async () => {
    const kind = party.value;
    if (kind !== 'bank' && kind !== 'enterprise') {
      show(org);
      org.disabled = true;
      return;
    }
    orgs ??= await devOrganisations();
    show(org, ...orgs[kind].map(([id, name]) => h('option', { value: id }, `${name} (${id})`)));
    org.disabled = false;
  };
  party.addEventListener('change', () => void refreshOrgs());
  const form = h(
    'form',
    { class: 'dev-sign-in', id: 'dev-sign-in' },
    h('h2', {}, '开发环境登录 · Development sign-in'),
    h('label', {}, '参与方 · Party ', party),
    h('label', {}, '机构 · Organisation ', org),
    h('button', { type: 'submit' }, '获取开发令牌 · Get a dev token'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    mintDevToken(party.value, org.disabled ? null : org.value)
      .then((token) => {
        session.signIn(token);
        done();
      })
      .catch((error: Error) => show(status, error.message));
  });
  return form;
}

function tokenForm(done: () => void): HTMLElement {
  const input = h('textarea', { name: 'token', rows: '4', placeholder: 'eyJhbGciOi…' });
  const form = h(
    'form',
    { class: 'token-sign-in', id: 'token-sign-in' },
    h('h2', {}, '令牌登录 · Sign in with a token'),
    h('label', {}, '访问令牌 · Access token', input),
    h('button', { type: 'submit' }, '登录 · Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.value.trim()) return;
    session.signIn(input.value);
    done();
  });
  return form;
}

export async function signInPage(root: Element, done: () => void): Promise<void> {
  const offer = await devOffer().catch(() => null);
  show(
    root,
    h(
      'main',
      { class: 'sign-in' },
      h('h1', {}, '科创金融数据交换 · Kechuang Exchange'),
      tokenForm(done),
      offer ? devForm(offer, done) : null,
    ),
  );
}
