import './style.css';
import { h, show } from './dom.js';
import { claimsOf, session, SignedOut, type Claims } from './graphql.js';
import { PARTY_LABELS } from './i18n.js';
import { signInPage } from './sign-in.js';

/** A party's pages: rendered into `root`; `reload` renders them again after a change. */
export type PartyPage = (root: HTMLElement, claims: Claims) => Promise<void>;

/**
 * Each party's pages are a chunk of their own (and the charts one more), fetched only when that
 * party signs in: a bank never downloads the finance office's charts.
 */
const PAGES: Record<string, () => Promise<{ page: PartyPage }>> = {
  finance_office: () => import('./pages/oversight.js'),
  pboc: () => import('./pages/oversight.js'),
  bank: () => import('./pages/bank.js'),
  enterprise: () => import('./pages/enterprise.js'),
  tech_bureau: () => import('./pages/tech.js'),
};

const root = document.getElementById('app')!;

function header(claims: Claims): HTMLElement {
  const signOut = h('button', { type: 'button', class: 'sign-out' }, '退出 · Sign out');
  signOut.addEventListener('click', () => {
    session.signOut();
    void start();
  });
  return h(
    'header',
    { class: 'top' },
    h('span', { class: 'brand' }, '科创金融数据交换 · Kechuang Exchange'),
    h(
      'span',
      { class: 'who', id: 'who' },
      PARTY_LABELS[claims.party] ?? claims.party,
      claims.org ? ` · ${claims.org}` : '',
    ),
    h('a', { href: '/' }, 'GraphQL explorer'),
    signOut,
  );
}

async function start(): Promise<void> {
  const token = session.token();
  const claims = token ? claimsOf(token) : null;
  if (!claims) return signInPage(root, () => void start());
  const load = PAGES[claims.party];
  const main = h('main', { class: 'party', 'data-party': claims.party });
  show(root, header(claims), main);
  if (!load) {
    show(main, h('p', { class: 'failure' }, `no console pages for party ${claims.party}`));
    return;
  }
  try {
    const { page } = await load();
    await page(main, claims);
    main.setAttribute('data-ready', 'true');
    // The first page is on screen with its data and its buttons live: `npm run bench:console`
    // reads this mark.
    performance.mark('kx-console-ready');
  } catch (error) {
    if (error instanceof SignedOut) {
      session.signOut();
      return signInPage(root, () => void start());
    }
    show(main, h('p', { class: 'failure', role: 'alert' }, String(error)));
  }
}

void start();
