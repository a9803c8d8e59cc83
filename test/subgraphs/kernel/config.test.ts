import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../subgraphs/kernel/config.js';

describe('risk pool and subsidy settings', () => {
  it('default to half the loss, ¥2M a loan, ¥10M a bank a year and a 1% subsidy', () => {
    const config = loadConfig({});
    expect(config.riskPool).toEqual({
      ratio: '0.5',
      capPerLoanFen: 200_000_000,
      capPerBankYearFen: 1_000_000_000,
    });
    expect(config.interestSubsidyRate).toBe('0.01');
  });

  it('read rates as decimals and caps as yuan, exactly', () => {
    const config = loadConfig({
      RISK_POOL_RATIO: '.35',
      RISK_POOL_CAP_PER_LOAN: '1500000.50',
      RISK_POOL_CAP_PER_BANK_YEAR: '0',
      INTEREST_SUBSIDY_RATE: '0.0125',
    });
    expect(config.riskPool).toEqual({
      ratio: '0.35',
      capPerLoanFen: 150_000_050,
      capPerBankYearFen: 0,
    });
    expect(config.interestSubsidyRate).toBe('0.0125');
  });

  it('refuse a rate above 1, a negative cap and more than two decimals of yuan', () => {
    expect(() => loadConfig({ RISK_POOL_RATIO: '1.5' })).toThrow(
      /RISK_POOL_RATIO must be a decimal rate/,
    );
    expect(() => loadConfig({ INTEREST_SUBSIDY_RATE: 'one percent' })).toThrow(
      /INTEREST_SUBSIDY_RATE/,
    );
    expect(() => loadConfig({ RISK_POOL_CAP_PER_LOAN: '-1' })).toThrow(
      /RISK_POOL_CAP_PER_LOAN must be an amount in yuan ≥ 0/,
    );
    expect(() => loadConfig({ RISK_POOL_CAP_PER_BANK_YEAR: '1.005' })).toThrow(
      /RISK_POOL_CAP_PER_BANK_YEAR/,
    );
  });
});

describe('bank evaluation settings', () => {
  it('default to the documented weights and rewards by new lending alone', () => {
    const { evaluation } = loadConfig({});
    expect(evaluation).toEqual({
      weights: {
        BALANCE: 20,
        BALANCE_GROWTH: 20,
        FIRST_LOAN_ENTERPRISES: 15,
        NEW_PRODUCTS: 10,
        SLA: 15,
        ACCEPTANCE: 10,
        RATINGS: 10,
      },
      rewardShare: '0',
    });
  });

  it('replace the weights named, keeping the others', () => {
    const { evaluation } = loadConfig({
      EVALUATION_WEIGHTS: 'BALANCE=30, RATINGS=0',
      REWARD_EVALUATION_SHARE: '0.25',
    });
    expect(evaluation.weights).toMatchObject({ BALANCE: 30, RATINGS: 0, SLA: 15 });
    expect(evaluation.rewardShare).toBe('0.25');
  });

  it('refuse an unknown dimension, a negative weight, all weights 0 and a share above 1', () => {
    expect(() => loadConfig({ EVALUATION_WEIGHTS: 'SIZE=1' })).toThrow(/not one of BALANCE/);
    expect(() => loadConfig({ EVALUATION_WEIGHTS: 'SLA=-1' })).toThrow(/SLA must be a number/);
    const zeros =
      'BALANCE=0,BALANCE_GROWTH=0,FIRST_LOAN_ENTERPRISES=0,NEW_PRODUCTS=0,SLA=0,ACCEPTANCE=0,RATINGS=0';
    expect(() => loadConfig({ EVALUATION_WEIGHTS: zeros })).toThrow(/at least one/);
    expect(() => loadConfig({ REWARD_EVALUATION_SHARE: '2' })).toThrow(/REWARD_EVALUATION_SHARE/);
  });
});

describe('database connections', () => {
  it('default to ten per database and refuse fewer than one', () => {
    expect(loadConfig({}).databaseConnections).toBe(10);
    expect(loadConfig({ DATABASE_CONNECTIONS: '4' }).databaseConnections).toBe(4);
    expect(() => loadConfig({ DATABASE_CONNECTIONS: '0' })).toThrow(
      /DATABASE_CONNECTIONS must be an integer ≥ 1/,
    );
  });
});
