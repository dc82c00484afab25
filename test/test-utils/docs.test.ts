/**
 * docs/testing.md stays true: each ```ts block is typechecked against the source and run with
 * `node --test` (they are test files), and must report passing tests and no failure.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY: ReadonlyArray<[string, string]> = [
  ['aiohttp-ts/test-utils', 'src/test-utils/index'],
  ['aiohttp-ts/client', 'src/client/index'],
  ['aiohttp-ts/web', 'src/server/index'],
  ['aiohttp-ts', 'src/index'],
];

function tsBlocks(md: string): Array<{ line: number; code: string }> {
  const out: Array<{ line: number; code: string }> = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)(\s.*)?$/.test(lines[i]!.trimEnd())) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    out.push({ line: i + 2, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

describe('docs/testing.md', () => {
  let blocks: Array<{ line: number; code: string }>;
  let dir: string;
  before(async () => {
    blocks = tsBlocks(await readFile(join(ROOT, 'docs', 'testing.md'), 'utf8'));
    dir = await mkdtemp(join(tmpdir(), 'aiohttp-ts-testing-md-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('has its examples in ts blocks', () => {
    assert.ok(blocks.length >= 5, `${blocks.length} blocks`);
  });

  it('typechecks every block against the source', async () => {
    const files: string[] = [];
    for (const [i, b] of blocks.entries()) {
      const path = join(dir, `check-${i}.mts`);
      await writeFile(path, `${b.code}\nexport {};\n`);
      files.push(path);
    }
    const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    delete options.rootDir;
    delete options.outDir;
    const paths = Object.fromEntries(ENTRY.map(([spec, target]) => [spec, [join(ROOT, `${target}.ts`)]]));
    const program = ts.createProgram(files, { ...options, noEmit: true, sourceMap: false, baseUrl: ROOT, paths });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return msg;
      const i = files.indexOf(d.file.fileName);
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return i === -1 ? `${d.file.fileName}:${line + 1}: ${msg}` : `docs/testing.md:${blocks[i]!.line + line}: ${msg}`;
    });
    assert.deepEqual(problems, []);
  });

  it('runs every block as a passing node:test file', async () => {
    // Without this the child would report to our runner instead of printing TAP.
    const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
    await Promise.all(blocks.map(async (b, i) => {
      let js = ts.transpileModule(b.code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
      for (const [spec, target] of ENTRY) js = js.replaceAll(`'${spec}'`, `'${pathToFileURL(join(BUILD, `${target}.js`)).href}'`);
      const path = join(dir, `run-${i}.mjs`);
      await writeFile(path, js);
      const { stdout } = await exec(process.execPath, ['--test', '--test-reporter=tap', path], { timeout: 60_000, env }).catch((err: { stdout?: string }) => {
        assert.fail(`docs/testing.md:${b.line}: failed\n${err.stdout ?? String(err)}`);
      });
      assert.match(stdout, /^# pass [1-9]/m, `docs/testing.md:${b.line}`);
      assert.match(stdout, /^# fail 0$/m, `docs/testing.md:${b.line}`);
    }));
  });
});
