import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every README.md of the repository links only to files of the repository that exist (and, for
 * `#anchor` links into markdown, to headings that exist), and none points outside it.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function readmes(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...readmes(full));
    else if (entry.name === 'README.md') found.push(full);
  }
  return found;
}

/** The text outside fenced code blocks and inline code spans. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 … */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .trim()
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

function links(markdown: string): string[] {
  const text = prose(markdown);
  const found = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  found.push(...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!));
  return found;
}

const files = readmes(root);

describe('README links', () => {
  it('finds the READMEs', () => {
    const relative = files.map((f) => path.relative(root, f));
    expect(relative).toContain('README.md');
    expect(relative).toContain(path.join('gateway', 'README.md'));
  });

  it('computes GitHub anchors', () => {
    const set = anchors('# A `b`: c\n## 六/七 Products\n## 四(二) Supervision\n## A b: c\n');
    expect([...set]).toEqual(['a-b-c', '六七-products', '四二-supervision', 'a-b-c-1']);
  });

  for (const file of files) {
    const name = path.relative(root, file);
    it(`${name}: every relative link resolves inside the repository`, () => {
      const markdown = fs.readFileSync(file, 'utf8');
      const broken: string[] = [];
      for (const link of links(markdown)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: …
        const [target, anchor] = link.split('#', 2) as [string, string | undefined];
        const resolved = target ? path.resolve(path.dirname(file), decodeURI(target)) : file;
        const inside = path.relative(root, resolved);
        if (inside.startsWith('..') || path.isAbsolute(inside)) {
          broken.push(`${link}: outside the repository`);
          continue;
        }
        if (!fs.existsSync(resolved)) {
          broken.push(`${link}: no such file`);
          continue;
        }
        if (anchor && resolved.endsWith('.md')) {
          const headings = anchors(fs.readFileSync(resolved, 'utf8'));
          if (!headings.has(decodeURIComponent(anchor))) broken.push(`${link}: no such heading`);
        }
      }
      expect(broken).toEqual([]);
    });

    it(`${name}: points to nothing outside the repository`, () => {
      const markdown = fs.readFileSync(file, 'utf8');
      expect(markdown).not.toMatch(/\.\.\/shared\b/);
      expect(markdown).not.toMatch(/SPEC\.md/);
    });
  }
});
