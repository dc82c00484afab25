/**
 * docs/THREAT_MODEL.md stays honest: every row of every table names at least one test, each quoted
 * title is the exact title of an `it(...)` in a file the row names (abbreviation or path), and no
 * row is left "open".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// build/test/security/ -> repository root.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The `it(...)` titles of a test source: exact strings, and template literals as patterns. */
function titles(file: string): Array<string | RegExp> {
  const src = readFileSync(ROOT + file, 'utf8');
  const out: Array<string | RegExp> = [];
  for (const m of src.matchAll(/\bit\(\s*(?:'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)"|`((?:\\.|[^`\\])*)`)/g)) {
    const plain = m[1] ?? m[2];
    if (plain !== undefined) out.push(plain.replace(/\\(.)/g, '$1'));
    else {
      const parts = m[3]!.split(/\$\{[^}]*\}/).map((p) => p.replace(/\\(.)/g, '$1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      out.push(new RegExp(`^${parts.join('.+')}$`));
    }
  }
  return out;
}

function known(title: string, files: string[]): boolean {
  return files.some((f) => titles(f).some((t) => (typeof t === 'string' ? t === title : t.test(title))));
}

describe('docs/THREAT_MODEL.md', () => {
  it('names a real test, by file and exact title, in every row', () => {
    const doc = readFileSync(`${ROOT}docs/THREAT_MODEL.md`, 'utf8');
    const abbrev = new Map<string, string>();
    for (const m of doc.matchAll(/`([A-Z]{2})` = (test\/\S+\.test\.ts)/g)) abbrev.set(m[1]!, m[2]!);
    assert.ok(abbrev.size >= 4, 'the abbreviation legend');
    let rows = 0;
    for (const line of doc.split('\n')) {
      if (!line.startsWith('|') || /^\|\s*(Threat|---)/.test(line)) continue;
      rows++;
      const test = line.split('|').slice(-2, -1)[0]!.trim();
      assert.doesNotMatch(test, /\bopen:/i, line);
      if (/^n\/a\b/.test(test)) continue;
      const files = [...test.matchAll(/\btest\/[\w/.-]+\.test\.ts\b/g)].map((m) => m[0]);
      for (const m of test.matchAll(/\b([A-Z]{2})\b/g)) if (abbrev.has(m[1]!)) files.push(abbrev.get(m[1]!)!);
      assert.ok(files.length > 0, `no test file in: ${line}`);
      const quoted = [...test.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(quoted.length > 0, `no test title in: ${line}`);
      for (const title of quoted) assert.ok(known(title, files), `no it(${JSON.stringify(title)}) in ${files.join(', ')}`);
    }
    assert.ok(rows >= 40, `only ${rows} rows read`);
  });
});
