import { afterEach, describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  addYears,
  currentYear,
  now,
  setClock,
  startOfDay,
  today,
} from '../../../subgraphs/kernel/clock.js';

describe('business clock', () => {
  let restore = () => {};
  afterEach(() => restore());

  it('gives the Beijing date at 01:00 Beijing time, when UTC is still on the previous day', () => {
    const instant = new Date('2026-03-31T17:00:00Z');
    restore = setClock({ now: () => instant });
    expect(now()).toBe(instant);
    expect(today()).toBe('2026-04-01');
  });

  it('turns the year at midnight in Beijing', () => {
    restore = setClock({ now: () => new Date('2026-12-31T16:30:00Z') });
    expect(today()).toBe('2027-01-01');
    expect(currentYear()).toBe(2027);
  });

  it('starts a business date at midnight Beijing time', () => {
    expect(startOfDay('2026-04-01').toISOString()).toBe('2026-03-31T16:00:00.000Z');
  });

  it('adds days, months and years to calendar dates', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addMonths('2026-01-15', 13)).toBe('2027-02-15');
    expect(addYears('2024-02-29', 1)).toBe('2025-03-01');
  });

  it('returns to the system clock once restored', () => {
    restore = setClock({ now: () => new Date('2000-01-01T00:00:00Z') });
    restore();
    expect(Math.abs(now().getTime() - Date.now())).toBeLessThan(1_000);
  });
});
