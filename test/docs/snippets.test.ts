/**
 * No doc snippet may rot: every ```ts block of docs/**\/*.md and README.md is typechecked against the
 * source (`aiohttp-ts` imports mapped to src/), and every ```ts run block is also executed against a
 * demo app on port 0, with `http://localhost:8080` replaced by the demo app's URL.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { createDemoApp } from '../../src/demo/app.js';
import { serve, type Served } from '../helpers/server.js';

const exec = promisify(execFile);

// build/test/docs/ -> repository root, and build/ (compiled sources).
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD = fileURLToPath(new URL('../../', import.meta.url));

/** Public entry points: what `aiohttp-ts` subpaths map to, in source and compiled form. */
const ENTRY: Record<string, string> = {
  'aiohttp-ts': 'src/index',
  'aiohttp-ts/web': 'src/server/index',
  'aiohttp-ts/client': 'src/client/index',
  'aiohttp-ts/test-utils': 'src/test-utils/index',
};

interface Snippet {
  file: string;
  line: number;
  run: boolean;
  code: string;
}

async function markdownFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join(ROOT, 'docs', 'api')) out.push(...(await markdownFiles(path)));
    } else if (entry.name.endsWith('.md')) {
      out.push(path);
    }
  }
  return out.sort();
}

/** The ```ts blocks of one markdown file; `run` when the info string has the word run. */
export function extractSnippets(file: string, text: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(ts|typescript)(\s.*)?$/.exec(lines[i]!.trimEnd());
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end += 1;
    snippets.push({ file, line: start, run: /\brun\b/.test(open[2] ?? ''), code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return snippets;
}

async function collect(): Promise<Snippet[]> {
  const files = [join(ROOT, 'README.md'), ...(existsSync(join(ROOT, 'docs')) ? await markdownFiles(join(ROOT, 'docs')) : [])];
  const all: Snippet[] = [];
  for (const f of files) all.push(...extractSnippets(relative(ROOT, f), await readFile(f, 'utf8')));
  return all;
}

describe('extractSnippets', () => {
  it('finds ts and ts run blocks and ignores other languages', () => {
    const md = '# t\n```ts\nconst a = 1;\n```\n```sh\nls\n```\n```ts run\nconst b = 2;\n```\n';
    assert.deepEqual(extractSnippets('x.md', md), [
      { file: 'x.md', line: 2, run: false, code: 'const a = 1;' },
      { file: 'x.md', line: 8, run: true, code: 'const b = 2;' },
    ]);
  });
});

describe('documentation snippets', () => {
  let snippets: Snippet[];
  let dir: string;
  let served: Served;

  before(async () => {
    snippets = await collect();
    dir = await mkdtemp(join(tmpdir(), 'aiohttp-ts-snippets-'));
    served = await serve(createDemoApp(), undefined, { accessLog: null });
  });
  after(async () => {
    await served.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has snippets in the guide, some of them runnable', () => {
    assert.ok(snippets.length >= 20, `only ${snippets.length} snippets found`);
    assert.ok(snippets.filter((s) => s.run).length >= 10);
  });

  it('typechecks every snippet against the source', async () => {
    const files: string[] = [];
    const where = new Map<string, Snippet>();
    for (const [i, s] of snippets.entries()) {
      // .mts: an ES module whatever the nearest package.json says.
      const path = join(dir, `snippet-${i}.mts`);
      // `export {}` makes every snippet a module, so top-level await and local names are allowed.
      await writeFile(path, `${s.code}\nexport {};\n`);
      files.push(path);
      where.set(path, s);
    }
    const paths: Record<string, string[]> = {};
    for (const [spec, target] of Object.entries(ENTRY)) paths[spec] = [join(ROOT, `${target}.ts`)];
    // The repository's compiler options (strict, exactOptionalPropertyTypes...), plus the entry-point paths.
    const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    delete options.rootDir;
    delete options.outDir;
    const program = ts.createProgram(files, { ...options, noEmit: true, sourceMap: false, baseUrl: ROOT, paths });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const s = d.file ? where.get(d.file.fileName) : undefined;
      const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return msg;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return s ? `${s.file}:${s.line + line + 1}: ${msg}` : `${d.file.fileName}:${line + 1}: ${msg}`;
    });
    assert.deepEqual(problems, []);
  });

  it('runs every `ts run` snippet against the demo app', { timeout: 300_000 }, async () => {
    // Identical blocks (the zh-CN pages repeat the English code) run once.
    const unique = new Map<string, Snippet>();
    for (const s of snippets) if (s.run && !unique.has(s.code)) unique.set(s.code, s);
    const replacements = Object.entries(ENTRY).sort((a, b) => b[0].length - a[0].length);
    const runs: Array<{ path: string; snippet: Snippet }> = [];
    for (const [i, s] of [...unique.values()].entries()) {
      let js = ts.transpileModule(s.code, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      }).outputText;
      for (const [spec, target] of replacements) {
        js = js.replaceAll(`'${spec}'`, `'${pathToFileURL(join(BUILD, `${target}.js`)).href}'`);
      }
      js = js.replaceAll('http://localhost:8080', served.url);
      const path = join(dir, `run-${i}.mjs`);
      await writeFile(path, js);
      runs.push({ path, snippet: s });
    }
    // One process imports the snippets one after the other (the library loads once), and writes
    // each outcome to a results file, so snippet output on stdout/stderr does not mix with it.
    const results = join(dir, 'results.json');
    const runner = join(dir, 'runner.mjs');
    await writeFile(runner, `
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const out = [];
for (const path of ${JSON.stringify(runs.map((r) => r.path))}) {
  try {
    await import(pathToFileURL(path).href);
    out.push(null);
  } catch (err) {
    out.push(String(err && err.stack || err));
  }
}
writeFileSync(${JSON.stringify(results)}, JSON.stringify(out));
`);
    await exec(process.execPath, [runner], { cwd: dir, timeout: 240_000 });
    const outcome = JSON.parse(await readFile(results, 'utf8')) as Array<string | null>;
    assert.equal(outcome.length, runs.length);
    const failures = runs.flatMap((r, i) => (outcome[i] === null ? [] : [`${r.snippet.file}:${r.snippet.line}: ${outcome[i]}`]));
    assert.deepEqual(failures, []);
  });
});

/** Every fenced block of a markdown page (any language), fences and info string included. */
export function fencedBlocks(text: string): string[] {
  const blocks: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```/.test(lines[i]!)) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end += 1;
    blocks.push(lines.slice(i, end + 1).join('\n'));
    i = end;
  }
  return blocks;
}

describe('fencedBlocks', () => {
  it('keeps every block with its fences, whatever the language', () => {
    const md = '# t\n```ts\nconst a = 1;\n```\ntext\n```sh\nls\n```\n```\nplain\n```\n';
    assert.deepEqual(fencedBlocks(md), ['```ts\nconst a = 1;\n```', '```sh\nls\n```', '```\nplain\n```']);
  });
});

describe('zh-CN guide', () => {
  it('has every English page, with the same code blocks in the same order', async () => {
    const docs = join(ROOT, 'docs');
    const zhRoot = join(docs, 'zh-CN');
    const pagesEn = (await markdownFiles(docs)).filter((f) => !f.startsWith(zhRoot + sep));
    // Top-level pages (README, testing, deployment, security, THREAT_MODEL, aiohttp-mapping) too.
    assert.ok(pagesEn.length >= 29, `only ${pagesEn.length} English pages found`);
    assert.ok(pagesEn.includes(join(docs, 'THREAT_MODEL.md')));
    for (const f of pagesEn) {
      const zh = join(zhRoot, relative(docs, f));
      assert.ok(existsSync(zh), `missing translation ${relative(ROOT, zh)}`);
      assert.deepEqual(fencedBlocks(await readFile(zh, 'utf8')), fencedBlocks(await readFile(f, 'utf8')), relative(ROOT, zh));
    }
  });
});
