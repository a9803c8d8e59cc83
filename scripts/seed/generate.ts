import { assess } from '../../subgraphs/tech/assessment/index.js';
/**
 * Deterministic, streamable generator of realistic Xianning seed data for the four subgraph
 * databases. Every enterprise draws from its own PRNG (seeded by its index) and the running id
 * counters only ever grow, so the rows are identical whatever block size the caller streams in.
 * "Now" is the fixed reference date 2026-11-01 (CST); nothing reads the clock.
 */

import type {
  annualFinancials,
  enterprises,
  libraryAssessments,
  patents,
} from '../../subgraphs/tech/tables.js';
import type {
  financialProducts,
  financingNeeds,
  listingTiers,
} from '../../subgraphs/finance/tables.js';
import type {
  banks,
  creditLines,
  financingSolutions,
  loans,
} from '../../subgraphs/banks/tables.js';
import type { ListingTier } from '../../subgraphs/finance/generated/resolvers.js';
import type { consents } from '../../subgraphs/exchange/tables.js';
import { chooseMainBank } from '../../subgraphs/finance/needs/index.js';
import { patentCheckChar, usccCheckChar } from '../../subgraphs/kernel/identifiers.js';
import {
  BANK_WEIGHTS_CITY,
  BANK_WEIGHTS_COUNTY,
  BANKS,
  BRAND_CHARS,
  CATEGORIES,
  CONSENT_PURPOSES,
  DISTRICTS,
  GIVEN_CHARS,
  INDUSTRIES,
  MOBILE_PREFIXES,
  NAME_SUFFIXES,
  NEED_PURPOSES,
  PRODUCTS,
  SURNAMES,
  TECH_WORDS,
  type Category,
  type Collateral,
  type DistrictDef,
  type IndustryDef,
} from './data.js';
import {
  DAY,
  HOUR,
  Rng,
  addMonths,
  day,
  isoDate,
  officeHours,
  pad,
  randomDay,
  seedFor,
  scatter,
  startOfDay,
  yearOf,
  type Weighted,
} from './random.js';

export type EnterpriseInsert = typeof enterprises.$inferInsert;
export type PatentInsert = typeof patents.$inferInsert;
export type AnnualFinancialsInsert = typeof annualFinancials.$inferInsert;
export type LibraryAssessmentInsert = typeof libraryAssessments.$inferInsert;
export type FinancingNeedInsert = typeof financingNeeds.$inferInsert;
export type FinancialProductInsert = typeof financialProducts.$inferInsert;
export type ListingTierInsert = typeof listingTiers.$inferInsert;
export type BankInsert = typeof banks.$inferInsert;
export type FinancingSolutionInsert = typeof financingSolutions.$inferInsert;
export type CreditLineInsert = typeof creditLines.$inferInsert;
export type LoanInsert = typeof loans.$inferInsert;
export type ConsentInsert = typeof consents.$inferInsert;

/** Rows for every seeded table, grouped by the subgraph database that owns them. */
export interface SeedRows {
  tech: {
    enterprises: EnterpriseInsert[];
    patents: PatentInsert[];
    annualFinancials: AnnualFinancialsInsert[];
    libraryAssessments: LibraryAssessmentInsert[];
  };
  finance: {
    financialProducts: FinancialProductInsert[];
    financingNeeds: FinancingNeedInsert[];
    listingTiers: ListingTierInsert[];
  };
  banks: {
    banks: BankInsert[];
    financingSolutions: FinancingSolutionInsert[];
    creditLines: CreditLineInsert[];
    loans: LoanInsert[];
  };
  exchange: {
    consents: ConsentInsert[];
  };
}

export interface SeedBlock {
  rows: SeedRows;
  /** Enterprises generated so far, including this block. */
  done: number;
  total: number;
}

export interface GenerateOptions {
  /** Enterprises per block (default 1000). The rows do not depend on it. */
  blockSize?: number;
}

/** The fixed "now" of the seed: 2026-11-01 00:00 China Standard Time. */
export const REFERENCE_NOW = new Date('2026-11-01T00:00:00+08:00');
const NOW = REFERENCE_NOW.getTime();
/** Credit data spans 2023-01-01 .. 2026-10-31. */
const FIRST_DAY = day('2023-01-01');
const LAST_DAY = day('2026-10-31');

const YUAN = 100; // fen per yuan
const WAN = 10_000 * YUAN; // fen per 万元

export function enterpriseCount(scale: number): number {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new Error(`scale must be a positive number, got ${scale}`);
  }
  return Math.round(1000 * scale);
}

export function emptyRows(): SeedRows {
  return {
    tech: { enterprises: [], patents: [], annualFinancials: [], libraryAssessments: [] },
    finance: { financialProducts: [], financingNeeds: [], listingTiers: [] },
    banks: { banks: [], financingSolutions: [], creditLines: [], loans: [] },
    exchange: { consents: [] },
  };
}

// ── Static rows: banks and their product catalogue ──

interface ProductInfo {
  id: string;
  bankId: string;
  category: Category;
  collateral: Collateral[];
  minFen: number;
  maxFen: number;
  /** Rates in units of 0.0001 (so 385 is "0.0385"). */
  floor: number;
  cap: number;
  maxTermMonths: number;
  requiresHighTech: boolean;
  requiresPatents: boolean;
  published: boolean;
}

function rate(units: number): string {
  return `0.${pad(units, 4)}`;
}

function buildProducts(): ProductInfo[] {
  const rng = new Rng(seedFor(0, 900));
  const perBank = new Map<string, number>();
  return PRODUCTS.map((def) => {
    const n = (perBank.get(def.bankId) ?? 0) + 1;
    perBank.set(def.bankId, n);
    const cat = CATEGORIES[def.category];
    const floor = 300 + 5 * rng.int(0, 24) + (def.category === 'CREDIT_LOAN' ? 30 : 0);
    const cap = floor + 5 * rng.int(20, 50);
    const minYuan = cat.minYuan * rng.pick([1, 1, 2]);
    const maxYuan = Math.max(minYuan * 5, cat.maxYuan * rng.pick([0.5, 1, 1]));
    return {
      id: `prod-${def.bankId}-${pad(n, 2)}`,
      bankId: def.bankId,
      category: def.category,
      collateral: def.collateral ?? cat.collateral,
      minFen: minYuan * YUAN,
      maxFen: maxYuan * YUAN,
      floor,
      cap,
      maxTermMonths: cat.maxTermMonths,
      requiresHighTech: def.requiresHighTech ?? false,
      requiresPatents: def.category === 'IP_PLEDGE_LOAN',
      published: def.published ?? true,
    };
  });
}

const PRODUCT_INFO = buildProducts();
const PRODUCTS_BY_BANK = new Map<string, ProductInfo[]>(
  BANKS.map((b) => [b.id, PRODUCT_INFO.filter((p) => p.bankId === b.id)]),
);

function staticRows(rows: SeedRows): void {
  for (const b of BANKS) {
    rows.banks.banks.push({ id: b.id, name: b.name, kind: b.kind, techBranch: b.techBranch });
  }
  const rng = new Rng(seedFor(0, 901));
  PRODUCT_INFO.forEach((p, i) => {
    rows.finance.financialProducts.push({
      id: p.id,
      bankId: p.bankId,
      name: PRODUCTS[i].name,
      category: p.category,
      collateral: p.collateral,
      minAmountFen: p.minFen,
      maxAmountFen: p.maxFen,
      rateFloor: rate(p.floor),
      rateCap: rate(p.cap),
      maxTermMonths: p.maxTermMonths,
      requiresHighTech: p.requiresHighTech,
      requiresPatents: p.requiresPatents,
      published: p.published,
      createdAt: new Date(officeHours(rng, randomDay(rng, day('2021-09-01'), day('2025-06-30')))),
    });
  });
}

// ── Identifiers ──

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11714 organisation code (8 digits + check) — positions 9–17 of a USCC. */
function organisationCode(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(body8[i]) * ORG_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return body8 + (c === 10 ? 'X' : c === 11 ? '0' : String(c));
}

/** A valid USCC, unique per enterprise index (the organisation code is a bijection of it). */
function uscc(index: number, area: string): string {
  const body = pad(scatter(index % 100_000_000, 100_000_000, 27, 0x1a2b3c), 8);
  const first17 = `91${area}${organisationCode(body)}`;
  return first17 + usccCheckChar(first17);
}

/** A valid CNIPA application number, unique per patent sequence number. */
function patentNumber(seq: number, year: number, typeDigit: string): string {
  const serial = pad(scatter(seq % 10_000_000, 10_000_000, 24, 0x4d5e6f), 7);
  const digits = `${year}${typeDigit}${serial}`;
  return `${digits}.${patentCheckChar(digits)}`;
}

const BRAND = [...new Set(BRAND_CHARS)];
const BRAND_PAIRS = BRAND.length * (BRAND.length - 1);
function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
const BRAND_STEP = (() => {
  let k = 7919;
  while (gcd(k, BRAND_PAIRS) !== 1) k += 2;
  return k;
})();

/** Two distinct brand characters; the first BRAND_PAIRS enterprises all get different pairs. */
function brand(index: number): string {
  const p = (index * BRAND_STEP + 17) % BRAND_PAIRS;
  const a = Math.floor(p / (BRAND.length - 1));
  let b = p % (BRAND.length - 1);
  if (b >= a) b++;
  return BRAND[a] + BRAND[b];
}

const GIVEN = [...GIVEN_CHARS];

function personName(rng: Rng): string {
  const given = rng.chance(0.7) ? rng.pick(GIVEN) + rng.pick(GIVEN) : rng.pick(GIVEN);
  return rng.weighted(SURNAMES) + given;
}

function mobile(rng: Rng): string {
  return rng.pick(MOBILE_PREFIXES) + rng.digits(8);
}

// ── Enterprise profile ──

type Stage = 'SEED' | 'STARTUP' | 'GROWTH' | 'MATURE';
const STAGES: Weighted<Stage> = [
  ['SEED', 12],
  ['STARTUP', 28],
  ['GROWTH', 40],
  ['MATURE', 20],
];
const FOUNDED: Record<Stage, [string, string]> = {
  SEED: ['2023-01-01', '2025-06-30'],
  STARTUP: ['2019-01-01', '2024-06-30'],
  GROWTH: ['2011-01-01', '2021-12-31'],
  MATURE: ['1996-01-01', '2014-12-31'],
};
const HIGH_TECH_SHARE: Record<Stage, number> = {
  SEED: 0.08,
  STARTUP: 0.3,
  GROWTH: 0.45,
  MATURE: 0.45,
};
/** Revenue of 2025 in yuan (log-uniform) and yearly growth. */
const REVENUE: Record<Stage, [number, number, number, number]> = {
  SEED: [200_000, 3_000_000, 0.15, 0.9],
  STARTUP: [2_000_000, 30_000_000, 0.15, 0.9],
  GROWTH: [20_000_000, 250_000_000, 0.03, 0.4],
  MATURE: [100_000_000, 1_200_000_000, -0.1, 0.18],
};
/** Credit-line size in yuan. */
const LINE_SIZE: Record<Stage, [number, number]> = {
  SEED: [300_000, 3_000_000],
  STARTUP: [1_000_000, 10_000_000],
  GROWTH: [3_000_000, 50_000_000],
  MATURE: [10_000_000, 200_000_000],
};
const NEED_SIZE: Record<Stage, [number, number]> = {
  SEED: [200_000, 3_000_000],
  STARTUP: [500_000, 10_000_000],
  GROWTH: [2_000_000, 30_000_000],
  MATURE: [5_000_000, 100_000_000],
};
const LIBRARY_STATUS: Weighted<string> = [
  ['ADMITTED', 76],
  ['CANDIDATE', 11],
  ['SUSPENDED', 7],
  ['REMOVED', 6],
];
const DISTRICT_WEIGHTS: Weighted<DistrictDef> = DISTRICTS.map((d) => [d, d.weight]);
const INDUSTRY_WEIGHTS: Weighted<IndustryDef> = INDUSTRIES.map((d) => [d, d.weight]);

type NeedStatus =
  | 'SUBMITTED'
  | 'OPEN'
  | 'ASSIGNED'
  | 'SOLUTION_PROPOSED'
  | 'CREDIT_APPROVED'
  | 'DISBURSED'
  | 'WITHDRAWN'
  | 'DECLINED';
const NEED_STATUS: Weighted<NeedStatus> = [
  ['SUBMITTED', 6],
  ['OPEN', 9],
  ['ASSIGNED', 10],
  ['SOLUTION_PROPOSED', 8],
  ['CREDIT_APPROVED', 8],
  ['DISBURSED', 37],
  ['WITHDRAWN', 11],
  ['DECLINED', 11],
];

function floorTo(value: number, unit: number): number {
  return Math.floor(value / unit) * unit;
}

/** Between two instants, uniformly, to the second. */
function instant(rng: Rng, from: number, to: number): number {
  if (to <= from) return from;
  return from + rng.int(0, Math.floor((to - from) / 1000)) * 1000;
}

// ── Credit ──

interface LoanDraft {
  amountFen: number;
  outstandingFen: number;
  disbursed: number;
  matures: number;
  status: string;
}

interface LineDraft {
  bankId: string;
  needId: string | null;
  product: ProductInfo | null;
  amountFen: number;
  rate: number;
  termMonths: number;
  approved: number;
  loans: LoanDraft[];
  id?: string;
}

function makeLoan(rng: Rng, amountFen: number, disbursed: number, termMonths: number): LoanDraft {
  const matures = addMonths(disbursed, termMonths);
  let status: string;
  if (matures <= NOW) {
    status = rng.weighted([
      ['REPAID', 955],
      ['OVERDUE', 25],
      ['DEFAULTED', 20],
    ]);
  } else {
    status = rng.weighted([
      ['CURRENT', 975],
      ['OVERDUE', 20],
      ['DEFAULTED', 5],
    ]);
  }
  let outstandingFen: number;
  if (status === 'REPAID') outstandingFen = 0;
  else if (status === 'CURRENT') {
    // Longer loans amortise; short ones are repaid in one go at maturity.
    if (termMonths >= 24) {
      const elapsed = Math.min(1, Math.max(0, (NOW - disbursed) / (matures - disbursed)));
      outstandingFen = floorTo(amountFen * (1 - 0.9 * elapsed), YUAN * 100);
    } else outstandingFen = amountFen;
  } else if (status === 'OVERDUE')
    outstandingFen = floorTo(amountFen * rng.range(0.5, 1), YUAN * 100);
  else outstandingFen = floorTo(amountFen * rng.range(0.2, 1), YUAN * 100);
  return {
    amountFen,
    outstandingFen: Math.min(amountFen, outstandingFen),
    disbursed,
    matures,
    status,
  };
}

function loanTerm(rng: Rng, lineTerm: number): number {
  return Math.min(lineTerm, rng.pick([6, 12, 12, 12, 24, 36]));
}

/** Draws on a line: never more in total than the line, never after it lapses or after the data ends. */
function drawLoans(rng: Rng, line: LineDraft, count: number, firstDay: number): void {
  let remaining = line.amountFen;
  const until = Math.min(addMonths(line.approved, line.termMonths), LAST_DAY);
  let t = firstDay;
  for (let k = 0; k < count; k++) {
    if (t > until) break;
    const share = k === 0 ? rng.range(0.4, 1) : rng.range(0.3, 1);
    const amount = k === count - 1 && rng.chance(0.4) ? remaining : floorTo(remaining * share, WAN);
    if (amount < WAN) break;
    line.loans.push(makeLoan(rng, amount, t, loanTerm(rng, line.termMonths)));
    remaining -= amount;
    t += rng.int(30, 150) * DAY;
  }
}

function eligibleProducts(bankId: string, highTech: boolean, patentsGranted: boolean) {
  return (PRODUCTS_BY_BANK.get(bankId) ?? []).filter(
    (p) =>
      p.published && (!p.requiresHighTech || highTech) && (!p.requiresPatents || patentsGranted),
  );
}

function rateIn(rng: Rng, p: ProductInfo | null): number {
  if (!p) return 320 + 5 * rng.int(0, 50);
  return p.floor + 5 * rng.int(0, Math.floor((p.cap - p.floor) / 5));
}

/** A day for a credit approval, with the 早春行 bulge in the first quarter. */
function approvalDay(rng: Rng, from: number): number {
  if (rng.chance(0.25)) {
    const year = rng.int(yearOf(from), 2026);
    const q1 = randomDay(rng, Math.max(from, day(`${year}-01-02`)), day(`${year}-03-31`));
    if (q1 >= from && q1 <= LAST_DAY) return q1;
  }
  return randomDay(rng, from, LAST_DAY);
}

// ── Generator ──

interface Counters {
  patent: number;
  need: number;
  solution: number;
  line: number;
  loan: number;
  consent: number;
}

/**
 * Yields the seed in blocks of enterprises: the first block also carries the banks and products.
 * Holding one block at a time keeps memory flat at any scale.
 */
export function* generateSeed(scale: number, options: GenerateOptions = {}): Generator<SeedBlock> {
  const total = enterpriseCount(scale);
  const blockSize = Math.max(1, Math.floor(options.blockSize ?? 1000));
  const width = Math.max(6, String(total).length);
  const counters: Counters = { patent: 0, need: 0, solution: 0, line: 0, loan: 0, consent: 0 };
  let start = 0;
  do {
    const rows = emptyRows();
    if (start === 0) staticRows(rows);
    const end = Math.min(total, start + blockSize);
    for (let i = start; i < end; i++) generateEnterprise(i, width, counters, rows);
    yield { rows, done: end, total };
    start = end;
  } while (start < total);
}

/** Everything at once: for tests and small scales. */
export function generateAll(scale: number, options: GenerateOptions = {}): SeedRows {
  const all = emptyRows();
  for (const { rows } of generateSeed(scale, options)) {
    for (const db of Object.keys(rows) as (keyof SeedRows)[]) {
      const from = rows[db] as Record<string, unknown[]>;
      const to = all[db] as Record<string, unknown[]>;
      for (const table of Object.keys(from)) for (const row of from[table]) to[table].push(row);
    }
  }
  return all;
}

function patentTitle(rng: Rng, kind: string, ind: IndustryDef): string {
  if (kind === 'DESIGN') return rng.pick(ind.designs);
  if (kind === 'UTILITY_MODEL') {
    const device = rng.pick(ind.devices);
    return rng.weighted<string>([
      [
        `一种${rng.pick(['便于安装的', '防尘型', '节能型', '高稳定性', '可调节式', '模块化'])}${device}`,
        3,
      ],
      [
        `一种${device}${rng.pick(['的固定装置', '的散热结构', '的检测装置', '用夹具', '的防护结构'])}`,
        3,
      ],
    ]);
  }
  const subject = rng.pick(ind.subjects);
  const tech = rng.pick(TECH_WORDS);
  if (ind.software) {
    return rng.weighted<string>([
      [`一种基于${tech}的${subject}及方法`, 3],
      [`${subject}的数据处理方法、装置及存储介质`, 2],
      [`一种${subject}的任务调度方法`, 1],
    ]);
  }
  return rng.weighted<string>([
    [`一种${subject}的制备方法`, 3],
    [`一种${subject}及其制备方法`, 2],
    [`基于${tech}的${subject}检测方法`, 2],
    [`一种${rng.pick(ind.devices)}的控制方法及系统`, 2],
    [`一种${subject}的生产工艺`, 1],
  ]);
}

interface PatentDraft {
  row: PatentInsert;
  granted: number | null;
}

/**
 * One enterprise's own sequence and the profile the later steps draw on. Every step takes its
 * draws from `rng` in turn, so the steps run in a fixed order: reordering them changes the seed.
 */
interface Profile {
  rng: Rng;
  index: number;
  id: string;
  district: DistrictDef;
  industry: IndustryDef;
  industryCode: string;
  stage: Stage;
  founded: number;
  foundedYear: number;
  highTechProfile: boolean;
  createdDay: number;
  created: number;
  bankWeights: Weighted<string>;
}

interface Financials {
  rows: AnnualFinancialsInsert[];
  latest: AnnualFinancialsInsert;
  /** Yearly revenue growth the rows were drawn with. */
  growth: number;
}

type Certificate = Pick<EnterpriseInsert, 'highTechCertificate' | 'highTechValidUntil'>;
type Contact = Pick<
  EnterpriseInsert,
  'legalRepresentative' | 'contactPerson' | 'phone' | 'address'
>;

interface Banking {
  basicAccountBankId: string | null;
  /** Banks the enterprise deals with, its basic-account bank first. */
  relBanks: string[];
}

/** What the credit, consent and listing steps decide by. */
interface Enterprise extends Profile, Banking {
  financials: Financials;
  patents: PatentDraft[];
  /** Granted inventions and utility models: what a 知识产权质押 can pledge. */
  pledgeable: PatentDraft[];
  patentsGranted: boolean;
  highTech: boolean;
  libraryStatus: string;
}

/** One enterprise's rows, step by step, each step drawing from the enterprise's sequence in turn. */
function generateEnterprise(index: number, width: number, c: Counters, out: SeedRows): void {
  const profile = drawProfile(index, width);
  const financials = drawFinancials(profile);
  out.tech.annualFinancials.push(...financials.rows);
  const patents = drawPatents(profile, c);
  const pledgeable = patents.filter((p) => p.row.status === 'GRANTED' && p.row.kind !== 'DESIGN');
  const certificate = drawHighTechCertificate(profile);
  const libraryStatus = profile.rng.weighted(LIBRARY_STATUS);
  const techSmeEligible = assessForLibrary(profile, libraryStatus, financials, patents, out);
  const techSmeRegistered = profile.rng.chance(techSmeEligible ? 0.8 : 0.08);
  const contact = drawContact(profile);
  const banking = drawBanking(profile);
  const e: Enterprise = {
    ...profile,
    ...banking,
    financials,
    patents,
    pledgeable,
    patentsGranted: pledgeable.length > 0,
    highTech: certificate.highTechCertificate != null,
    libraryStatus,
  };
  out.tech.enterprises.push(enterpriseRow(e, certificate, techSmeRegistered, contact));

  const lines = drawHistoricLines(e);
  const mainBanks = drawFinancingNeeds(e, lines, c, out);
  pushCredit(e, lines, c, out);
  pledgePatents(e, lines);
  // Written only now: the pledges above value and pledge some of them.
  for (const p of patents) out.tech.patents.push(p.row);
  drawConsents(e, mainBanks, c, out);
  drawListingTier(e, out);
}

function drawProfile(index: number, width: number): Profile {
  const rng = new Rng(seedFor(index, 1));
  const district = rng.weighted(DISTRICT_WEIGHTS);
  const industry = rng.weighted(INDUSTRY_WEIGHTS);
  const industryCode = rng.chance(0.5) ? rng.pick(industry.classes) : industry.code;
  const stage = rng.weighted(STAGES);
  const founded = randomDay(rng, day(FOUNDED[stage][0]), day(FOUNDED[stage][1]));
  const highTechProfile = rng.chance(HIGH_TECH_SHARE[stage]);
  const createdDay =
    founded < day('2021-09-01')
      ? randomDay(rng, day('2021-09-01'), day('2024-12-31'))
      : randomDay(rng, founded + 30 * DAY, Math.min(founded + 300 * DAY, NOW - 30 * DAY));
  return {
    rng,
    index,
    id: `ent-${pad(index + 1, width)}`,
    district,
    industry,
    industryCode,
    stage,
    founded,
    foundedYear: yearOf(founded),
    highTechProfile,
    createdDay,
    created: officeHours(rng, createdDay),
    bankWeights: district.county ? BANK_WEIGHTS_COUNTY : BANK_WEIGHTS_CITY,
  };
}

/** Annual financials, 2023–2025 (years since founding). */
function drawFinancials({ rng, id, stage, foundedYear, highTechProfile }: Profile): Financials {
  const [revMin, revMax, gMin, gMax] = REVENUE[stage];
  const rev2025 = rng.logRange(revMin, revMax);
  const growth = rng.range(gMin, gMax);
  const rdBase = highTechProfile ? rng.range(0.035, 0.12) : rng.range(0.005, 0.07);
  const perEmployee =
    stage === 'SEED' || stage === 'STARTUP'
      ? rng.range(150_000, 600_000)
      : rng.range(300_000, 1_200_000);
  const staffRatio = highTechProfile
    ? rng.chance(0.08)
      ? rng.range(0.05, 0.1)
      : rng.range(0.12, 0.55)
    : rng.range(0.04, 0.45);
  const assetRatio = stage === 'SEED' ? rng.range(1, 4) : rng.range(0.6, 2.5);
  const rows: AnnualFinancialsInsert[] = [];
  for (const year of [2023, 2024, 2025]) {
    if (year < foundedYear) continue;
    let revenueYuan = (rev2025 / (1 + growth) ** (2025 - year)) * rng.range(0.95, 1.05);
    if (year === foundedYear) revenueYuan *= rng.range(0.3, 0.8);
    const revenueFen = Math.max(1, Math.round(revenueYuan / 100)) * 100 * YUAN;
    const rdFen = Math.round((revenueFen * rdBase * rng.range(0.85, 1.15)) / YUAN) * YUAN;
    const employees = Math.max(3, Math.round((revenueYuan / perEmployee) * rng.range(0.9, 1.1)));
    const techStaff = Math.min(employees, Math.max(1, Math.round(employees * staffRatio)));
    const totalAssetsFen = Math.round((revenueFen * assetRatio) / (100 * YUAN)) * 100 * YUAN;
    rows.push({
      enterpriseId: id,
      year,
      revenueFen,
      rdExpenseFen: rdFen,
      employees,
      techStaff,
      totalAssetsFen,
    });
  }
  // Every stage is founded by 2025, so there is always a latest year.
  return { rows, latest: rows[rows.length - 1], growth };
}

function drawPatentCount({ rng, stage, highTechProfile }: Profile): number {
  return Math.min(
    8,
    highTechProfile
      ? rng.weighted([
          [2, 10],
          [3, 20],
          [4, 20],
          [5, 18],
          [6, 14],
          [7, 10],
          [8, 8],
        ])
      : stage === 'SEED'
        ? rng.weighted([
            [0, 50],
            [1, 30],
            [2, 20],
          ])
        : rng.weighted([
            [0, 30],
            [1, 20],
            [2, 18],
            [3, 14],
            [4, 10],
            [5, 8],
          ]),
  );
}

function drawPatents(profile: Profile, c: Counters): PatentDraft[] {
  const count = drawPatentCount(profile);
  const kindWeights: Weighted<string> = profile.highTechProfile
    ? [
        ['INVENTION', 35],
        ['UTILITY_MODEL', 50],
        ['DESIGN', 15],
      ]
    : [
        ['INVENTION', 20],
        ['UTILITY_MODEL', 60],
        ['DESIGN', 20],
      ];
  const drafts: PatentDraft[] = [];
  for (let k = 0; k < count; k++) drafts.push(drawPatent(profile, kindWeights, c));
  return drafts;
}

function drawPatent(
  { rng, id, industry, founded }: Profile,
  kindWeights: Weighted<string>,
  c: Counters,
): PatentDraft {
  const kind = rng.weighted(kindWeights);
  const filed = randomDay(
    rng,
    Math.max(founded + 30 * DAY, day('2008-01-01')),
    LAST_DAY - 10 * DAY,
  );
  const lag =
    kind === 'INVENTION'
      ? rng.int(540, 1200)
      : kind === 'UTILITY_MODEL'
        ? rng.int(150, 360)
        : rng.int(120, 300);
  let status = 'PENDING';
  let granted: number | null = null;
  if (filed + lag * DAY <= LAST_DAY) {
    granted = filed + lag * DAY;
    const old = NOW - filed > 6 * 365 * DAY;
    status = rng.chance(old ? 0.3 : 0.08) ? 'LAPSED' : 'GRANTED';
  }
  c.patent++;
  const typeDigit = kind === 'INVENTION' ? '1' : kind === 'UTILITY_MODEL' ? '2' : '3';
  let valuationFen: number | null = null;
  let valuedOn: string | null = null;
  if (status === 'GRANTED' && kind !== 'DESIGN' && rng.chance(kind === 'INVENTION' ? 0.45 : 0.2)) {
    valuationFen = patentValuationFen(rng, kind);
    valuedOn = isoDate(randomDay(rng, granted!, LAST_DAY));
  }
  return {
    granted,
    row: {
      id: `pat-${pad(c.patent, 7)}`,
      number: patentNumber(c.patent, yearOf(filed), typeDigit),
      kind,
      title: patentTitle(rng, kind, industry),
      status,
      filedOn: isoDate(filed),
      grantedOn: granted === null ? null : isoDate(granted),
      ipcClass: kind === 'DESIGN' ? rng.pick(industry.locarno) : rng.pick(industry.ipc),
      enterpriseId: id,
      valuationFen,
      valuedOn,
      pledgeStatus: 'NONE',
      pledgeeBankId: null,
    },
  };
}

function patentValuationFen(rng: Rng, kind: string): number {
  return (
    floorTo(
      kind === 'INVENTION' ? rng.logRange(500_000, 10_000_000) : rng.logRange(100_000, 1_500_000),
      10_000,
    ) * YUAN
  );
}

/** High-tech certificate (valid three years from issue). */
function drawHighTechCertificate({
  rng,
  index,
  foundedYear,
  highTechProfile,
}: Profile): Certificate {
  if (!highTechProfile || foundedYear >= 2025) {
    return { highTechCertificate: null, highTechValidUntil: null };
  }
  const certYear = rng.int(Math.max(2023, foundedYear + 1), 2025);
  const issued = randomDay(rng, day(`${certYear}-10-15`), day(`${certYear}-12-20`));
  return {
    highTechCertificate: `GR${certYear}42${pad(1000 + index, 6)}`,
    highTechValidUntil: isoDate(addMonths(issued, 36) - DAY),
  };
}

/**
 * Library assessment on the latest year, by the national criteria, for every enterprise past
 * candidacy. Returns whether it is eligible as a tech SME.
 */
function assessForLibrary(
  { rng, id }: Profile,
  libraryStatus: string,
  { rows, latest, growth }: Financials,
  patents: PatentDraft[],
  out: SeedRows,
): boolean {
  if (libraryStatus === 'CANDIDATE') return false;
  const prevRevenue = rows.length > 1 ? rows[rows.length - 2].revenueFen : null;
  const assessedAt = officeHours(rng, randomDay(rng, day('2026-03-01'), LAST_DAY));
  const grantedBy = patents.filter(
    (p) => p.row.status === 'GRANTED' && p.granted !== null && p.granted < assessedAt,
  );
  const inventions = grantedBy.filter((p) => p.row.kind === 'INVENTION').length;
  const assessment = assess({
    revenueFen: latest.revenueFen,
    rdExpenseFen: latest.rdExpenseFen,
    employees: latest.employees,
    techStaff: latest.techStaff,
    grantedInventions: inventions,
    grantedOthers: grantedBy.length - inventions,
    revenueGrowth: prevRevenue ? latest.revenueFen / prevRevenue - 1 : growth,
  });
  out.tech.libraryAssessments.push({
    enterpriseId: id,
    year: latest.year,
    ...assessment,
    assessedAt: new Date(assessedAt),
  });
  return assessment.techSmeEligible;
}

function drawContact({ rng, district }: Profile): Contact {
  const legalRepresentative = personName(rng);
  const contactPerson = rng.chance(0.35) ? legalRepresentative : personName(rng);
  const phone = mobile(rng);
  const town = rng.pick(district.towns);
  const address = `${district.addressPrefix}${town}${rng.pick(district.roads)}${rng.int(1, 399)}号${
    rng.chance(0.3) ? `${rng.int(1, 12)}栋` : ''
  }`;
  return { legalRepresentative, contactPerson, phone, address };
}

function drawBanking({ rng, bankWeights }: Profile): Banking {
  const basicAccountBankId = rng.chance(0.6) ? rng.weighted(bankWeights) : null;
  const relationshipCount = rng.weighted([
    [1, 45],
    [2, 35],
    [3, 20],
  ]);
  const relBanks: string[] = basicAccountBankId ? [basicAccountBankId] : [];
  while (relBanks.length < relationshipCount) {
    const b = rng.weighted(bankWeights);
    if (!relBanks.includes(b)) relBanks.push(b);
  }
  return { basicAccountBankId, relBanks };
}

/** The enterprise's row; its name and last update are drawn here. */
function enterpriseRow(
  e: Enterprise,
  certificate: Certificate,
  techSmeRegistered: boolean,
  contact: Contact,
): EnterpriseInsert {
  const { rng, district } = e;
  const word = rng.pick(e.industry.words);
  let suffix = rng.weighted(NAME_SUFFIXES);
  if (/科技|技术/.test(word)) suffix = suffix.replace('科技', '');
  const name = `${rng.weighted(district.namePrefixes)}${brand(e.index)}${word}${suffix}`;
  return {
    id: e.id,
    uscc: uscc(e.index, district.area),
    name,
    district: district.code,
    industry: e.industryCode,
    stage: e.stage,
    foundedOn: isoDate(e.founded),
    highTechCertificate: certificate.highTechCertificate,
    highTechValidUntil: certificate.highTechValidUntil,
    techSmeRegistered,
    libraryStatus: e.libraryStatus,
    legalRepresentative: contact.legalRepresentative,
    contactPerson: contact.contactPerson,
    phone: contact.phone,
    address: contact.address,
    basicAccountBankId: e.basicAccountBankId,
    createdAt: new Date(e.created),
    updatedAt: new Date(
      Math.max(e.created, officeHours(rng, randomDay(rng, e.createdDay, LAST_DAY))),
    ),
  };
}

/** Historic credit lines (not from platform needs). */
function drawHistoricLines(e: Enterprise): LineDraft[] {
  const { rng, stage } = e;
  const count = rng.chance(0.08)
    ? 0
    : stage === 'SEED'
      ? rng.weighted([
          [0, 40],
          [1, 35],
          [2, 25],
        ])
      : stage === 'STARTUP'
        ? rng.int(1, 5)
        : stage === 'GROWTH'
          ? rng.int(3, 9)
          : rng.int(4, 12);
  const from = Math.max(FIRST_DAY, e.founded + 180 * DAY);
  const lines: LineDraft[] = [];
  for (let k = 0; k < count && from <= LAST_DAY; k++) lines.push(drawHistoricLine(e, from));
  return lines;
}

function drawHistoricLine(e: Enterprise, from: number): LineDraft {
  const { rng, relBanks } = e;
  const r = rng.next();
  const bankId =
    r < 0.65 ? relBanks[0] : r < 0.9 ? rng.pick(relBanks) : rng.weighted(e.bankWeights);
  const products = eligibleProducts(bankId, e.highTech, e.patentsGranted);
  const product = products.length > 0 && rng.chance(0.85) ? rng.pick(products) : null;
  let amount = floorTo(rng.logRange(...LINE_SIZE[e.stage]) * YUAN, 10 * WAN);
  if (product) amount = Math.min(product.maxFen, Math.max(product.minFen, amount));
  amount = Math.max(10 * WAN, amount);
  const termMonths = Math.min(product?.maxTermMonths ?? 36, rng.pick([6, 12, 12, 12, 24, 36]));
  const line: LineDraft = {
    bankId,
    needId: null,
    product,
    amountFen: amount,
    rate: rateIn(rng, product),
    termMonths,
    approved: approvalDay(rng, from),
    loans: [],
  };
  drawLoans(
    rng,
    line,
    rng.weighted([
      [0, 10],
      [1, 55],
      [2, 25],
      [3, 10],
    ]),
    line.approved + rng.int(0, 30) * DAY,
  );
  return line;
}

interface NeedDraft {
  id: string;
  status: NeedStatus;
  visibility: string;
  amountFen: number;
  termMonths: number;
  collateral: Collateral[];
  preferredBankId: string | null;
}

/** When a need reached each of its states; null for states it never reached. */
interface NeedTimeline {
  submitted: number;
  assigned: number | null;
  proposed: number | null;
  approvedDay: number | null;
  disbursedDay: number | null;
  updated: number;
}

/**
 * Financing needs, their solutions (一企一策) and the credit they led to, which joins `lines`.
 * Returns the main banks the needs were assigned to.
 */
function drawFinancingNeeds(e: Enterprise, lines: LineDraft[], c: Counters, out: SeedRows) {
  const { rng } = e;
  const count =
    e.libraryStatus === 'REMOVED' && rng.chance(0.7)
      ? 0
      : rng.weighted([
          [0, 30],
          [1, 35],
          [2, 20],
          [3, 10],
          [4, 5],
        ]);
  const mainBanks: string[] = [];
  for (let k = 0; k < count; k++) {
    c.need++;
    const need = drawNeed(e, `need-${pad(c.need, 7)}`);
    const timeline = drawNeedTimeline(rng, need.status, e.created);
    const main = timeline.assigned === null ? null : assignMainBank(e, need, timeline, lines);
    if (main) mainBanks.push(main.bankId);
    out.finance.financingNeeds.push(needRow(e, need, timeline, main));
    if (timeline.proposed !== null && main !== null) {
      proposeSolution(e, need, timeline, main.bankId, lines, c, out);
    }
  }
  return mainBanks;
}

function drawNeed(e: Enterprise, id: string): NeedDraft {
  const { rng, stage } = e;
  const status = rng.weighted(NEED_STATUS);
  const visibility = status === 'OPEN' || rng.chance(0.55) ? 'OPEN_TO_ALL_BANKS' : 'MAIN_BANK_ONLY';
  const amountFen = Math.max(10 * WAN, floorTo(rng.logRange(...NEED_SIZE[stage]) * YUAN, 10 * WAN));
  const termMonths = rng.pick([6, 12, 12, 12, 24, 36, 36, 60]);
  const collateralWeights: Weighted<Collateral> = [
    ['PATENT_PLEDGE', e.patentsGranted ? 5 : 0],
    ['NONE', 4],
    ['GUARANTEE', 4],
    ['RECEIVABLES', 3],
    ['ORDER_PLEDGE', 2],
    ['REAL_ESTATE', stage === 'GROWTH' || stage === 'MATURE' ? 2 : 0],
    ['EQUITY_PLEDGE', e.highTech ? 3 : 1],
    ['WAREHOUSE_RECEIPT_PLEDGE', 1],
    ['INSURANCE_POLICY_PLEDGE', 1],
    ['TRADEMARK_PLEDGE', 1],
  ];
  const wanted = rng.weighted([
    [1, 50],
    [2, 35],
    [3, 15],
  ]);
  const picked = new Set<Collateral>();
  while (picked.size < wanted) picked.add(rng.weighted(collateralWeights));
  return {
    id,
    status,
    visibility,
    amountFen,
    termMonths,
    // In the order of the weights, not of the draws.
    collateral: collateralWeights.map(([kind]) => kind).filter((kind) => picked.has(kind)),
    preferredBankId: rng.chance(0.3) ? rng.weighted(e.bankWeights) : null,
  };
}

/** An instant in [from, to], moved after `after` when the window allows it. */
function instantAfter(rng: Rng, after: number, from: number, to: number): number {
  const lo = Math.max(from, after);
  return instant(rng, lo < to ? lo : from, to);
}

/** A solution proposed within a day of assignment mostly, within three at worst. */
function proposalInstant(rng: Rng, assigned: number): number {
  return Math.min(
    NOW - 60_000,
    assigned +
      (rng.chance(0.85) ? rng.int(1, 23) * HOUR : rng.int(25, 72) * HOUR) +
      rng.int(0, 3599) * 1000,
  );
}

function drawNeedTimeline(rng: Rng, status: NeedStatus, created: number): NeedTimeline {
  const after = created + DAY;
  const t: NeedTimeline = {
    submitted: 0,
    assigned: null,
    proposed: null,
    approvedDay: null,
    disbursedDay: null,
    updated: 0,
  };
  const submittedBefore = (assigned: number) => assigned - rng.int(3600, 3 * 86_400) * 1000;
  const approvedAfter = (proposed: number) =>
    Math.min(LAST_DAY, startOfDay(proposed) + rng.int(3, 20) * DAY);
  switch (status) {
    case 'SUBMITTED':
      t.submitted = NOW - rng.int(600, 3 * 86_400) * 1000;
      t.updated = t.submitted;
      break;
    case 'OPEN':
      t.submitted = NOW - rng.int(3600, 14 * 86_400) * 1000;
      t.updated = Math.min(NOW, t.submitted + rng.int(600, 86_400) * 1000);
      break;
    case 'ASSIGNED': {
      const overdue = rng.chance(0.4);
      t.assigned =
        NOW - (overdue ? rng.int(25 * 3600, 10 * 86_400) : rng.int(600, 23 * 3600)) * 1000;
      t.submitted = submittedBefore(t.assigned);
      t.updated = t.assigned;
      break;
    }
    case 'SOLUTION_PROPOSED':
      t.assigned = instantAfter(rng, after, NOW - 45 * DAY, NOW - DAY);
      t.submitted = submittedBefore(t.assigned);
      t.proposed = proposalInstant(rng, t.assigned);
      t.updated = t.proposed;
      break;
    case 'CREDIT_APPROVED':
      t.assigned = instantAfter(rng, after, day('2025-10-01'), NOW - 30 * DAY);
      t.submitted = submittedBefore(t.assigned);
      t.proposed = proposalInstant(rng, t.assigned);
      t.approvedDay = approvedAfter(t.proposed);
      t.updated = officeHours(rng, t.approvedDay);
      break;
    case 'DISBURSED':
      t.assigned = instantAfter(rng, after, FIRST_DAY + 3 * DAY, LAST_DAY - 45 * DAY);
      t.submitted = submittedBefore(t.assigned);
      t.proposed = proposalInstant(rng, t.assigned);
      t.approvedDay = approvedAfter(t.proposed);
      t.disbursedDay = Math.min(LAST_DAY, t.approvedDay + rng.int(1, 10) * DAY);
      t.updated = officeHours(rng, t.disbursedDay);
      break;
    default:
      closedTimeline(rng, status, after, t);
  }
  return t;
}

/** WITHDRAWN or DECLINED, from any live state. */
function closedTimeline(rng: Rng, status: NeedStatus, after: number, t: NeedTimeline): void {
  t.submitted = instantAfter(rng, after, FIRST_DAY, NOW - 2 * DAY);
  if (rng.chance(status === 'DECLINED' ? 0.75 : 0.5)) {
    t.assigned = Math.min(NOW - DAY, t.submitted + rng.int(3600, 3 * 86_400) * 1000);
    if (rng.chance(status === 'DECLINED' ? 0.4 : 0.3))
      t.proposed = proposalInstant(rng, t.assigned);
  }
  t.updated = Math.min(
    NOW,
    (t.proposed ?? t.assigned ?? t.submitted) + rng.int(3600, 10 * 86_400) * 1000,
  );
}

interface MainBank {
  bankId: string;
  basis: string;
}

/**
 * Main bank of an assigned need, by the main-bank rule or by claim. An enterprise that named no
 * bank and has no lender names one now, so `need.preferredBankId` may be set here.
 */
function assignMainBank(
  e: Enterprise,
  need: NeedDraft,
  timeline: NeedTimeline,
  lines: LineDraft[],
): MainBank {
  const { rng, bankWeights } = e;
  if (need.visibility === 'OPEN_TO_ALL_BANKS') {
    const bankId = rng.chance(0.5) ? rng.pick(e.relBanks) : rng.weighted(bankWeights);
    return { bankId, basis: 'CLAIMED' };
  }
  const chosen = chooseMainBank({
    NAMED_BY_ENTERPRISE: need.preferredBankId,
    BASIC_ACCOUNT: e.basicAccountBankId,
    LARGEST_LENDER: largestLender(lines, timeline.submitted),
  });
  if (chosen) return chosen;
  need.preferredBankId = rng.weighted(bankWeights);
  return { bankId: need.preferredBankId, basis: 'NAMED_BY_ENTERPRISE' };
}

/** The bank with the most credit approved before `before`; the first such bank on a tie. */
function largestLender(lines: LineDraft[], before: number): string | null {
  const totals = new Map<string, number>();
  for (const l of lines) {
    if (l.approved < before) totals.set(l.bankId, (totals.get(l.bankId) ?? 0) + l.amountFen);
  }
  let best: string | null = null;
  for (const [b, amount] of totals) if (best === null || amount > totals.get(best)!) best = b;
  return best;
}

function needRow(
  e: Enterprise,
  need: NeedDraft,
  t: NeedTimeline,
  main: MainBank | null,
): FinancingNeedInsert {
  return {
    id: need.id,
    enterpriseId: e.id,
    amountFen: need.amountFen,
    termMonths: need.termMonths,
    purpose: e.rng.pick(NEED_PURPOSES),
    collateral: need.collateral,
    visibility: need.visibility,
    status: need.status,
    mainBankId: main?.bankId ?? null,
    mainBankBasis: main?.basis ?? null,
    preferredBankId: need.preferredBankId,
    submittedAt: new Date(t.submitted),
    assignedAt: t.assigned === null ? null : new Date(t.assigned),
    solutionDueAt: t.assigned === null ? null : new Date(t.assigned + DAY),
    solutionProposedAt: t.proposed === null ? null : new Date(t.proposed),
    updatedAt: new Date(t.updated),
  };
}

/** The main bank's solution to a need and, once approved, the line (and loans) it became. */
function proposeSolution(
  e: Enterprise,
  need: NeedDraft,
  t: NeedTimeline,
  bankId: string,
  lines: LineDraft[],
  c: Counters,
  out: SeedRows,
): void {
  const { rng } = e;
  const eligible = eligibleProducts(bankId, e.highTech, e.patentsGranted);
  const matching = eligible.filter((p) =>
    p.collateral.some((kind) => need.collateral.includes(kind)),
  );
  const chosen =
    matching.length > 0
      ? rng.sample(matching, rng.chance(0.7) ? 1 : 2)
      : eligible.length > 0
        ? [rng.pick(eligible)]
        : [];
  const product = chosen[0] ?? null;
  let amount = Math.max(10 * WAN, floorTo(need.amountFen * rng.range(0.6, 1), 10 * WAN));
  if (product) amount = Math.min(product.maxFen, Math.max(product.minFen, amount));
  const solutionRate = rateIn(rng, product);
  const termMonths = Math.min(need.termMonths, product?.maxTermMonths ?? need.termMonths);
  const conditions = product
    ? rng.pick(CATEGORIES[product.category].conditions)
    : '综合授信，按需提款';
  c.solution++;
  out.banks.financingSolutions.push({
    id: `sol-${pad(c.solution, 7)}`,
    needId: need.id,
    bankId,
    enterpriseId: e.id,
    productIds: chosen.map((p) => p.id),
    amountFen: amount,
    rate: rate(solutionRate),
    termMonths,
    conditions: rng.chance(0.3) ? `${conditions}；要求在我行开立基本结算账户` : conditions,
    proposedAt: new Date(t.proposed!),
  });
  if (t.approvedDay === null) return;
  const line: LineDraft = {
    bankId,
    needId: need.id,
    product,
    amountFen: amount,
    rate: solutionRate,
    termMonths,
    approved: t.approvedDay,
    loans: [],
  };
  if (t.disbursedDay !== null) {
    const count = rng.weighted([
      [1, 75],
      [2, 25],
    ]);
    drawLoans(rng, line, count, t.disbursedDay);
  }
  lines.push(line);
}

/** Ids in approval order; loans in disbursement order, so the first is the 首贷. */
function pushCredit(e: Enterprise, lines: LineDraft[], c: Counters, out: SeedRows): void {
  lines.sort((a, b) => a.approved - b.approved);
  const allLoans: { loan: LoanDraft; line: LineDraft }[] = [];
  for (const line of lines) {
    c.line++;
    line.id = `cl-${pad(c.line, 8)}`;
    out.banks.creditLines.push({
      id: line.id,
      bankId: line.bankId,
      enterpriseId: e.id,
      needId: line.needId,
      productId: line.product?.id ?? null,
      amountFen: line.amountFen,
      rate: rate(line.rate),
      termMonths: line.termMonths,
      approvedOn: isoDate(line.approved),
    });
    for (const loan of line.loans) allLoans.push({ loan, line });
  }
  allLoans.sort((a, b) => a.loan.disbursed - b.loan.disbursed);
  allLoans.forEach(({ loan, line }, k) => {
    c.loan++;
    out.banks.loans.push({
      id: `loan-${pad(c.loan, 8)}`,
      creditLineId: line.id!,
      bankId: line.bankId,
      enterpriseId: e.id,
      amountFen: loan.amountFen,
      outstandingFen: loan.outstandingFen,
      disbursedOn: isoDate(loan.disbursed),
      maturesOn: isoDate(loan.matures),
      firstLoan: k === 0,
      status: loan.status,
    });
  });
}

/** Patent pledges follow the IP-pledge lines (知识产权质押), in approval order. */
function pledgePatents({ rng, pledgeable }: Enterprise, lines: LineDraft[]): void {
  for (const line of lines) {
    if (!line.product || !line.product.collateral.includes('PATENT_PLEDGE')) continue;
    const candidates = pledgeable.filter(
      (p) => p.row.pledgeStatus !== 'PLEDGED' && p.granted !== null && p.granted <= line.approved,
    );
    if (candidates.length === 0) continue;
    const active =
      line.loans.length > 0
        ? line.loans.some((l) => l.status !== 'REPAID')
        : addMonths(line.approved, line.termMonths) > NOW;
    for (const p of rng.sample(candidates, rng.chance(0.6) ? 1 : 2)) {
      if (p.row.valuationFen == null) {
        p.row.valuationFen = patentValuationFen(rng, p.row.kind);
        p.row.valuedOn = isoDate(Math.max(p.granted!, line.approved - rng.int(5, 30) * DAY));
      }
      p.row.pledgeStatus = active ? 'PLEDGED' : 'RELEASED';
      p.row.pledgeeBankId = active ? line.bankId : null;
    }
  }
}

/** Consents (企业授权) to a few of the banks it deals with, for about a third of enterprises. */
function drawConsents(e: Enterprise, mainBanks: string[], c: Counters, out: SeedRows): void {
  const { rng } = e;
  if (!rng.chance(0.35)) return;
  const candidates = [...new Set([...mainBanks, ...e.relBanks])];
  const count = Math.min(
    candidates.length,
    rng.weighted([
      [1, 60],
      [2, 30],
      [3, 10],
    ]),
  );
  for (const bankId of rng.sample(candidates, count)) {
    c.consent++;
    out.exchange.consents.push(drawConsent(e, bankId, `cons-${pad(c.consent, 7)}`));
  }
}

function drawConsent(
  { rng, id, patents, createdDay }: Enterprise,
  bankId: string,
  consentId: string,
): ConsentInsert {
  const dataSets: string[] = [];
  if (rng.chance(0.8)) dataSets.push('CONTACT');
  if (rng.chance(0.7)) dataSets.push('FINANCIALS');
  if (patents.length > 0 && rng.chance(0.5)) dataSets.push('PATENT_VALUATION');
  if (rng.chance(0.5)) dataSets.push('CREDIT_HISTORY');
  if (dataSets.length === 0) dataSets.push('CONTACT');
  const granted = officeHours(
    rng,
    randomDay(rng, Math.max(day('2025-01-01'), createdDay), LAST_DAY - DAY),
  );
  const days = rng.weighted([
    [90, 25],
    [180, 35],
    [365, 40],
  ]);
  const expires = granted + days * DAY;
  const revoked = rng.chance(0.12) ? instant(rng, granted + HOUR, Math.min(expires, NOW)) : null;
  return {
    id: consentId,
    enterpriseId: id,
    bankId,
    dataSets,
    purpose: rng.pick(CONSENT_PURPOSES),
    grantedAt: new Date(granted),
    expiresAt: new Date(expires),
    revokedAt: revoked === null ? null : new Date(revoked),
  };
}

/** Listing seeds (上市后备, 三(十)) among admitted enterprises. */
function drawListingTier(e: Enterprise, out: SeedRows): void {
  const { rng, stage } = e;
  if (e.libraryStatus !== 'ADMITTED') return;
  const revenueYuan = e.financials.latest.revenueFen / YUAN;
  const inventions = e.patents.filter(
    (p) => p.row.kind === 'INVENTION' && p.row.status === 'GRANTED',
  ).length;
  let tier: ListingTier | null = null;
  if (stage === 'MATURE' && revenueYuan >= 300_000_000 && rng.chance(0.2)) tier = 'GOLD_SEED';
  else if (e.highTech && inventions >= 1 && e.financials.growth >= 0.15 && rng.chance(0.12))
    tier = 'STAR_MARKET_SEED';
  else if (
    (stage === 'GROWTH' || stage === 'MATURE') &&
    revenueYuan >= 50_000_000 &&
    rng.chance(0.12)
  )
    tier = 'SILVER_SEED';
  if (!tier) return;
  out.finance.listingTiers.push({
    enterpriseId: e.id,
    tier,
    since: new Date(
      officeHours(rng, randomDay(rng, Math.max(day('2022-03-01'), e.createdDay), LAST_DAY)),
    ),
  });
}
