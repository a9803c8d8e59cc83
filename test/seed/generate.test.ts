import { describe, it, expect } from 'vitest';
import {
  enterpriseCount,
  generateAll,
  generateSeed,
  REFERENCE_NOW,
  type SeedRows,
} from '../../scripts/seed/generate.js';
import { parsePatentNumber, usccProblem } from '../../subgraphs/kernel/identifiers.js';

const small = generateAll(0.2);
const city = generateAll(1);

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

describe('seed generator', () => {
  it('is deterministic across runs', () => {
    expect(generateAll(0.05)).toEqual(generateAll(0.05));
  });

  it('yields the same rows whatever the block size', () => {
    const byOne = generateAll(0.1, { blockSize: 1 });
    const bySeven = generateAll(0.1, { blockSize: 7 });
    const whole = generateAll(0.1, { blockSize: 10_000 });
    expect(bySeven).toEqual(whole);
    expect(byOne).toEqual(whole);
  });

  it('streams blocks with progress and the static rows only once', () => {
    const blocks = [...generateSeed(0.05, { blockSize: 20 })];
    expect(blocks.map((b) => b.done)).toEqual([20, 40, 50]);
    expect(blocks.every((b) => b.total === 50)).toBe(true);
    expect(blocks[0].rows.banks.banks).toHaveLength(9);
    expect(blocks[1].rows.banks.banks).toHaveLength(0);
    expect(blocks[1].rows.finance.financialProducts).toHaveLength(0);
  });

  it('scales the enterprise count', () => {
    expect(enterpriseCount(1)).toBe(1000);
    expect(enterpriseCount(0.2)).toBe(200);
    expect(small.tech.enterprises).toHaveLength(200);
    expect(city.tech.enterprises).toHaveLength(1000);
    expect(() => enterpriseCount(0)).toThrow();
  });

  it('gives every enterprise a valid, unique Xianning USCC', () => {
    const bad = city.tech.enterprises.filter(
      (e) => usccProblem(e.uscc) !== null || e.uscc.slice(2, 6) !== '4212',
    );
    expect(bad.map((e) => `${e.uscc}: ${usccProblem(e.uscc)}`)).toEqual([]);
    expect(new Set(city.tech.enterprises.map((e) => e.uscc)).size).toBe(1000);
  });

  it('gives every patent a valid, unique number matching its kind', () => {
    expect(city.tech.patents.length).toBeGreaterThan(1000);
    for (const p of city.tech.patents) {
      const parsed = parsePatentNumber(p.number);
      expect('problem' in parsed ? parsed.problem : null, p.number).toBeNull();
      if (!('problem' in parsed)) {
        expect(parsed.kind).toBe(p.kind);
        expect(parsed.year).toBe(Number(p.filedOn.slice(0, 4)));
      }
      if (p.status === 'PENDING') expect(p.grantedOn).toBeNull();
      if (p.pledgeStatus === 'PLEDGED') expect(p.pledgeeBankId).toBeTruthy();
    }
    expect(new Set(city.tech.patents.map((p) => p.number)).size).toBe(city.tech.patents.length);
    expect(city.tech.patents.some((p) => p.pledgeStatus === 'PLEDGED')).toBe(true);
  });

  it('uses sortable zero-padded ids', () => {
    const ids = city.tech.enterprises.map((e) => e.id);
    expect(ids[0]).toBe('ent-000001');
    expect([...ids].sort()).toEqual(ids);
    expect(city.finance.financingNeeds[0].id).toBe('need-0000001');
    expect(city.banks.creditLines[0].id).toBe('cl-00000001');
    expect(city.banks.loans[0].id).toBe('loan-00000001');
    expect(city.tech.patents[0].id).toBe('pat-0000001');
    expect(city.exchange.consents[0].id).toBe('cons-0000001');
  });

  it('has needs in every status, both visibilities and every main-bank basis', () => {
    const statuses = countBy(small.finance.financingNeeds, (n) => n.status);
    for (const status of [
      'SUBMITTED',
      'OPEN',
      'ASSIGNED',
      'SOLUTION_PROPOSED',
      'CREDIT_APPROVED',
      'DISBURSED',
      'WITHDRAWN',
      'DECLINED',
    ]) {
      expect(statuses.get(status) ?? 0, status).toBeGreaterThan(0);
    }
    const bases = countBy(city.finance.financingNeeds, (n) => String(n.mainBankBasis));
    for (const basis of ['BASIC_ACCOUNT', 'NAMED_BY_ENTERPRISE', 'LARGEST_LENDER', 'CLAIMED']) {
      expect(bases.get(basis) ?? 0, basis).toBeGreaterThan(0);
    }
    const visibilities = countBy(city.finance.financingNeeds, (n) => n.visibility);
    expect(visibilities.size).toBe(2);
  });

  it('keeps the need timeline consistent', () => {
    const now = REFERENCE_NOW.getTime();
    let overdue = 0;
    for (const n of city.finance.financingNeeds) {
      expect(n.submittedAt.getTime()).toBeLessThanOrEqual(now);
      expect((n.updatedAt as Date).getTime()).toBeLessThanOrEqual(now);
      if (n.status === 'OPEN') expect(n.visibility).toBe('OPEN_TO_ALL_BANKS');
      if (['SUBMITTED', 'OPEN'].includes(n.status)) expect(n.mainBankId).toBeNull();
      if (['ASSIGNED', 'SOLUTION_PROPOSED', 'CREDIT_APPROVED', 'DISBURSED'].includes(n.status)) {
        expect(n.mainBankId).toBeTruthy();
        expect(n.mainBankBasis).toBeTruthy();
        expect(n.solutionDueAt!.getTime() - n.assignedAt!.getTime()).toBe(86_400_000);
        expect(n.assignedAt!.getTime()).toBeGreaterThan(n.submittedAt.getTime());
      }
      if (n.status === 'ASSIGNED') {
        expect(n.solutionProposedAt).toBeNull();
        if (n.solutionDueAt!.getTime() < now) overdue++;
      }
      if (n.mainBankBasis === 'CLAIMED') expect(n.visibility).toBe('OPEN_TO_ALL_BANKS');
      if (n.mainBankBasis && n.mainBankBasis !== 'CLAIMED')
        expect(n.visibility).toBe('MAIN_BANK_ONLY');
    }
    expect(overdue).toBeGreaterThan(0);
    const needs = new Map(city.finance.financingNeeds.map((n) => [n.id, n]));
    for (const s of city.banks.financingSolutions) {
      const need = needs.get(s.needId)!;
      expect(s.bankId).toBe(need.mainBankId);
      expect(s.proposedAt).toEqual(need.solutionProposedAt);
    }
    for (const n of needs.values()) {
      if (['SOLUTION_PROPOSED', 'CREDIT_APPROVED', 'DISBURSED'].includes(n.status)) {
        expect(
          city.banks.financingSolutions.some((s) => s.needId === n.id),
          n.id,
        ).toBe(true);
      }
    }
  });

  it('never lends more on a line than the line allows', () => {
    const lines = new Map(city.banks.creditLines.map((l) => [l.id, l]));
    const drawn = new Map<string, number>();
    const problems: string[] = [];
    for (const loan of city.banks.loans) {
      const line = lines.get(loan.creditLineId);
      if (!line) {
        problems.push(`${loan.id}: no line ${loan.creditLineId}`);
        continue;
      }
      if (loan.bankId !== line.bankId) problems.push(`${loan.id}: bank differs from its line`);
      if (loan.enterpriseId !== line.enterpriseId) problems.push(`${loan.id}: enterprise differs`);
      if (!(loan.amountFen > 0)) problems.push(`${loan.id}: amount ${loan.amountFen}`);
      if (loan.outstandingFen < 0 || loan.outstandingFen > loan.amountFen) {
        problems.push(`${loan.id}: outstanding ${loan.outstandingFen} of ${loan.amountFen}`);
      }
      if (loan.status === 'REPAID' && loan.outstandingFen !== 0) {
        problems.push(`${loan.id}: repaid with ${loan.outstandingFen} outstanding`);
      }
      if (loan.disbursedOn < line.approvedOn)
        problems.push(`${loan.id}: disbursed before approval`);
      if (loan.maturesOn <= loan.disbursedOn) problems.push(`${loan.id}: matures before disbursal`);
      drawn.set(line.id, (drawn.get(line.id) ?? 0) + loan.amountFen);
    }
    for (const [id, total] of drawn) {
      if (total > lines.get(id)!.amountFen) problems.push(`${id}: drawn ${total} over the line`);
    }
    expect(problems).toEqual([]);
    const statuses = countBy(city.banks.loans, (l) => l.status);
    expect([...statuses.keys()].sort()).toEqual(['CURRENT', 'DEFAULTED', 'OVERDUE', 'REPAID']);
  });

  it('marks exactly the earliest loan of each borrowing enterprise as its first loan', () => {
    const byEnterprise = new Map<string, SeedRows['banks']['loans']>();
    for (const loan of city.banks.loans) {
      const list = byEnterprise.get(loan.enterpriseId) ?? [];
      list.push(loan);
      byEnterprise.set(loan.enterpriseId, list);
    }
    expect(byEnterprise.size).toBeGreaterThan(500);
    for (const [enterpriseId, loans] of byEnterprise) {
      const first = loans.filter((l) => l.firstLoan);
      expect(first, enterpriseId).toHaveLength(1);
      const earliest = loans.reduce((a, b) => (b.disbursedOn < a.disbursedOn ? b : a));
      expect(first[0].disbursedOn).toBe(earliest.disbursedOn);
    }
  });

  it('spreads credit over 2023-01-01..2026-10-31, with the first quarters of 2025 and 2026', () => {
    const days = [
      ...city.banks.creditLines.map((l) => l.approvedOn),
      ...city.banks.loans.map((l) => l.disbursedOn),
    ];
    expect(days.filter((d) => d < '2023-01-01' || d > '2026-10-31')).toEqual([]);
    const q1 = (year: number) =>
      city.banks.creditLines.filter(
        (l) => l.approvedOn >= `${year}-01-01` && l.approvedOn <= `${year}-03-31`,
      ).length;
    expect(q1(2025)).toBeGreaterThan(100);
    expect(q1(2026)).toBeGreaterThan(100);
  });

  it('is large enough for the benchmarks at scale 100', () => {
    // Linear in scale: ≥1000 needs and ≥10 000 lines + loans per 1000 enterprises.
    expect(city.finance.financingNeeds.length).toBeGreaterThanOrEqual(1000);
    expect(city.banks.creditLines.length + city.banks.loans.length).toBeGreaterThanOrEqual(10_000);
  });

  it('computes library assessments by the national criteria', () => {
    const financials = new Map(
      city.tech.annualFinancials.map((f) => [`${f.enterpriseId}/${f.year}`, f]),
    );
    const enterprises = new Map(city.tech.enterprises.map((e) => [e.id, e]));
    expect(city.tech.libraryAssessments.length).toBeGreaterThan(500);
    for (const a of city.tech.libraryAssessments) {
      expect(enterprises.get(a.enterpriseId)!.libraryStatus).not.toBe('CANDIDATE');
      const f = financials.get(`${a.enterpriseId}/${a.year}`)!;
      const revenueYuan = f.revenueFen / 100;
      const threshold = revenueYuan <= 50e6 ? 0.05 : revenueYuan <= 200e6 ? 0.04 : 0.03;
      const eligible =
        f.rdExpenseFen / f.revenueFen >= threshold && f.techStaff / f.employees >= 0.1;
      expect(a.highTechEligible, a.enterpriseId).toBe(eligible);
      const breakdown = a.breakdown as { criterion: string; points: number; maxPoints: number }[];
      expect(breakdown.map((b) => b.maxPoints)).toEqual([20, 50, 30]);
      expect(breakdown.reduce((s, b) => s + b.points, 0)).toBe(a.techSmeScore);
      expect(a.techSmeEligible).toBe(a.techSmeScore >= 60);
      expect(Number(a.rdIntensity)).toBeCloseTo(f.rdExpenseFen / f.revenueFen, 5);
    }
  });

  it('has products with sane rates and amounts for every bank', () => {
    const products = city.finance.financialProducts;
    const perBank = countBy(products, (p) => p.bankId);
    expect(perBank.size).toBe(9);
    for (const n of perBank.values()) expect(n >= 4 && n <= 6).toBe(true);
    for (const p of products) {
      expect(p.id).toMatch(/^prod-[a-z]+-\d\d$/);
      expect(p.rateFloor).toMatch(/^0\.\d{4}$/);
      expect(Number(p.rateFloor)).toBeLessThan(Number(p.rateCap));
      expect(p.minAmountFen).toBeLessThan(p.maxAmountFen);
    }
  });

  it('has consents that are active, revoked and expired, none longer than a year', () => {
    const now = REFERENCE_NOW.getTime();
    let revoked = 0;
    let expired = 0;
    let active = 0;
    for (const c of city.exchange.consents) {
      const span = c.expiresAt.getTime() - c.grantedAt.getTime();
      expect(span).toBeGreaterThan(0);
      expect(span).toBeLessThanOrEqual(366 * 86_400_000);
      expect(c.dataSets.length).toBeGreaterThan(0);
      if (c.revokedAt) revoked++;
      else if (c.expiresAt.getTime() < now) expired++;
      else active++;
    }
    expect(revoked).toBeGreaterThan(0);
    expect(expired).toBeGreaterThan(0);
    expect(active).toBeGreaterThan(0);
  });
});
