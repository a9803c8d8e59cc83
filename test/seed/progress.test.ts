import { afterAll, describe, expect, it } from 'vitest';
import { seedDatabases } from '../../scripts/seed/load.js';
import { createTestDatabases } from '../helpers/databases.js';

describe('seeding progress', () => {
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => drop?.());

  it('moves at least every 2 %, in order, up to the total', async () => {
    const dbs = await createTestDatabases('pglite');
    drop = dbs.drop;
    const reports: [number, number][] = [];
    // Two blocks: before, the bar moved only as each committed (0, 50, 100 %).
    await seedDatabases(dbs.databases, 0.2, (done, total) => reports.push([done, total]), {
      blockSize: 100,
    });
    const total = 200;
    expect(reports[0]).toEqual([0, total]);
    expect(reports.at(-1)).toEqual([total, total]);
    expect(reports.every(([, t]) => t === total)).toBe(true);
    for (let i = 1; i < reports.length; i++) {
      const step = reports[i][0] - reports[i - 1][0];
      expect(step).toBeGreaterThan(0);
      expect(step).toBeLessThanOrEqual(0.02 * total);
    }
  }, 300_000);
});
