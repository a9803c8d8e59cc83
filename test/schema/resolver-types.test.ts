import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateResolverTypes } from '../../scripts/codegen.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the generated resolver types', () => {
  it('are up to date with the subgraphs’ SDL (npm run codegen)', async () => {
    const generated = await generateResolverTypes();
    expect(generated.size).toBeGreaterThan(0);
    for (const [file, text] of generated) {
      const absolute = path.join(root, file);
      const current = fs.existsSync(absolute) ? fs.readFileSync(absolute, 'utf8') : '';
      expect(current === text, `${file} is stale: run npm run codegen`).toBe(true);
    }
  });
});
