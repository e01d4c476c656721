import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// docs/architecture.md is only worth reading while it matches the code: each rule it states names
// the test that enforces it, each import-graph rule is stated there, each folder it lists exists.
const root = path.resolve(import.meta.dirname, '../..');
const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');

function tableRows(heading: string): string[][] {
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`docs/architecture.md has no "## ${heading}" section`);
  return section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---') && !/^\| (rule|folder) \|/.test(l))
    .map((l) => l.slice(2, -2).split(' | '));
}

/** Titles of it() calls in a test file, as written. */
function testTitles(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/\bit\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)].map((m) => m[2]!.replace(/\\(.)/g, '$1'));
}

describe('docs/architecture.md', () => {
  const rules = tableRows('Rules').map(([rule, by]) => {
    const m = /^`([^`]+)` › (.+)$/.exec(by ?? '');
    return { rule: rule!, file: m?.[1], title: m?.[2] };
  });

  it('states its rules, each with the test that enforces it', () => {
    expect(rules.length).toBeGreaterThan(10);
    for (const r of rules) {
      expect(r.file, `rule "${r.rule}" names no test as \`file\` › title`).toBeDefined();
      expect(existsSync(path.join(root, r.file!)), `${r.file} (rule "${r.rule}")`).toBe(true);
      expect(testTitles(r.file!), `${r.file} has no test titled "${r.title}"`).toContain(r.title);
    }
  });

  it('lists every rule of the import-graph test', () => {
    const stated = new Set(rules.filter((r) => r.file === 'test/unit/import-graph.test.ts').map((r) => r.title));
    const titles = testTitles('test/unit/import-graph.test.ts').filter((t) => !t.startsWith('finds imports'));
    expect(titles.filter((t) => !stated.has(t))).toEqual([]);
  });

  it('names only folders that exist', () => {
    const folders = tableRows('Folders').map(([f]) => /^`([^`]+)`$/.exec(f ?? '')?.[1]);
    expect(folders.length).toBeGreaterThan(15);
    for (const f of folders) {
      expect(f).toBeDefined();
      expect(existsSync(path.join(root, f!)), f).toBe(true);
    }
  });
});
