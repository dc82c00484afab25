// The package as a consumer installs it (issue 14): packs the tarball with `npm pack`, lints it with
// publint and "are the types wrong" (esm-only profile), installs it into scratch consumer projects in
// a temp dir and typechecks scripts/check-package/consumer.ts under TypeScript 5.9 and the current
// TypeScript, with `module`/`moduleResolution` nodenext and bundler, each with `tsc --init`'s own
// defaults (`"types": []`) and with `skipLibCheck: false`. Then a runtime smoke: every export path
// through `import` and through `require()`, a tiny server and the client, on this Node and on each
// `--node <binary>` given.
//
//   node scripts/check-package.mjs [--node /path/to/node]... [--keep]
//
// Needs nothing but the npm registry (TypeScript, @types/node and the package's dependencies are
// installed from it). Exits 1 when any step fails; the summary lists every step with its time.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'scripts', 'check-package');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const args = process.argv.slice(2);
const extraNodes = [];
let keep = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node' && args[i + 1]) extraNodes.push(path.resolve(args[++i]));
  else if (args[i] === '--keep') keep = true;
  else {
    console.error('usage: node scripts/check-package.mjs [--node /path/to/node]... [--keep]');
    process.exit(2);
  }
}

// TypeScript 5.9 with the @types/node of our engines floor; the current TypeScript (7.x exposes `tsc`
// from the `typescript` package itself) with the newest @types/node.
const TYPESCRIPTS = [
  { label: 'TS 5.9', typescript: 'typescript@~5.9.0', typesNode: '@types/node@~20.19.0' },
  { label: 'TS latest', typescript: 'typescript@latest', typesNode: '@types/node@latest' },
];
// Resolution modes a consumer picks; each is checked with tsc --init's defaults and with skipLibCheck off.
const MODES = [
  { label: 'nodenext', options: { module: 'nodenext', moduleResolution: 'nodenext' } },
  { label: 'bundler', options: { module: 'preserve', moduleResolution: 'bundler' } },
];
const LIB_CHECKS = [
  { label: 'init defaults', options: {} },
  { label: 'skipLibCheck false', options: { skipLibCheck: false } },
];

const tmp = mkdtempSync(path.join(tmpdir(), 'aiohttp-ts-check-package-'));
const results = [];

function run(cmd, cmdArgs, cwd, { quiet = false } = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd, encoding: 'utf8', shell: process.platform === 'win32', maxBuffer: 64 << 20 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !quiet) process.stdout.write(out.endsWith('\n') || out === '' ? out : `${out}\n`);
  if (r.error) throw r.error;
  return { ok: r.status === 0, out, stdout: r.stdout ?? '' };
}

/** Runs one step, timing it; a throw or `false` fails it, and the steps after it still run. */
function step(name, fn) {
  console.log(`\n=== ${name} ===`);
  const t0 = performance.now();
  let ok;
  let note = '';
  try {
    const r = fn();
    ok = r !== false && r?.ok !== false;
    note = r?.note ?? '';
  } catch (err) {
    console.error(err);
    ok = false;
  }
  const seconds = (performance.now() - t0) / 1000;
  results.push({ name, ok, seconds, note });
  console.log(`--- ${ok ? 'ok' : 'FAILED'}: ${name} (${seconds.toFixed(1)} s)`);
  return ok;
}

let tarball;
step('npm pack (prepack builds dist/ from scratch)', () => {
  const r = run(npm, ['pack', '--json', '--pack-destination', tmp], root, { quiet: true });
  if (!r.ok) return false;
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  tarball = path.join(tmp, info.filename);
  const files = new Set(info.files.map((f) => f.path));
  // Every source map must point at a file the tarball ships (the .ts sources under src/).
  const missing = [];
  let maps = 0;
  for (const f of files) {
    if (!f.endsWith('.map')) continue;
    maps++;
    const map = JSON.parse(readFileSync(path.join(root, f), 'utf8'));
    for (const s of map.sources) {
      const target = path.posix.join(path.posix.dirname(f), map.sourceRoot ?? '', s);
      if (!files.has(target)) missing.push(`${f} -> ${target}`);
    }
  }
  if (missing.length > 0) console.log(`source maps point at files not in the tarball:\n  ${missing.slice(0, 10).join('\n  ')}`);
  const stray = [...files].filter((f) => /\.test\.|(^|\/)src\/demo\/static\//.test(f));
  if (stray.length > 0) console.log(`files that should not ship:\n  ${stray.join('\n  ')}`);
  // The entry points' declarations load Node's types themselves (`"types": []` consumers).
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const entries = Object.values(pkg.exports).flatMap((e) => (typeof e === 'object' && e.types ? [e.types.replace(/^\.\//, '')] : []));
  const noReference = entries.filter((f) => !files.has(f) || !readFileSync(path.join(root, f), 'utf8').includes('/// <reference types="node"'));
  if (noReference.length > 0) console.log(`entry declarations without /// <reference types="node" />: ${noReference.join(', ')}`);
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  const note = `${info.entryCount} files, ${maps} maps, ${kib(info.size)} packed, ${kib(info.unpackedSize)} unpacked`;
  console.log(note);
  return { ok: missing.length === 0 && stray.length === 0 && noReference.length === 0, note };
});
if (!tarball) finish();

step('publint (tarball)', () => run(path.join(root, 'node_modules', '.bin', 'publint'), ['run', tarball, '--strict'], root));
step('attw --profile esm-only (tarball)', () =>
  run(path.join(root, 'node_modules', '.bin', 'attw'), [tarball, '--profile', 'esm-only', '--format', 'table', '--no-color'], root));

const consumers = [];
for (const ts of TYPESCRIPTS) {
  const dir = path.join(tmp, `consumer-${ts.label.replace(/\W+/g, '-').toLowerCase()}`);
  let version = '';
  const installed = step(`${ts.label}: install the tarball, ${ts.typescript}, ${ts.typesNode}; tsc --init`, () => {
    rmSync(dir, { recursive: true, force: true });
    cpSync(fixtures, dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`);
    if (!run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ts.typescript, ts.typesNode], dir).ok) return false;
    const tsc = path.join(dir, 'node_modules', '.bin', 'tsc');
    version = run(tsc, ['--version'], dir, { quiet: true }).out.trim();
    const typesNode = JSON.parse(readFileSync(path.join(dir, 'node_modules', '@types', 'node', 'package.json'), 'utf8')).version;
    if (!run(tsc, ['--init'], dir, { quiet: true }).ok || !existsSync(path.join(dir, 'tsconfig.json'))) return false;
    const init = readFileSync(path.join(dir, 'tsconfig.json'), 'utf8');
    const types = /^\s*"types":\s*(\[[^\]]*\])/m.exec(init)?.[1] ?? '(not set)';
    return { note: `${version}, @types/node ${typesNode}, tsc --init "types": ${types}` };
  });
  consumers.push(dir);
  if (!installed) continue;
  for (const mode of MODES) {
    for (const libCheck of LIB_CHECKS) {
      const name = `tsconfig.${mode.label}.${libCheck.label.replace(/\W+/g, '-')}.json`;
      step(`${ts.label} (${version}): typecheck, ${mode.label}, ${libCheck.label}`, () => {
        const config = { extends: './tsconfig.json', compilerOptions: { ...mode.options, ...libCheck.options, noEmit: true }, files: ['consumer.ts'] };
        writeFileSync(path.join(dir, name), `${JSON.stringify(config, null, 2)}\n`);
        return run(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', name], dir);
      });
    }
  }
}

const smokeDir = consumers.find((d) => existsSync(path.join(d, 'node_modules', 'aiohttp-ts')));
for (const node of [process.execPath, ...extraNodes]) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? node;
  for (const file of ['smoke.mjs', 'smoke.cjs']) {
    step(`runtime smoke, Node ${version}: ${file === 'smoke.mjs' ? 'import' : 'require()'} of every export path, server + client`, () =>
      smokeDir !== undefined && run(node, [file], smokeDir));
  }
}
finish();

function finish() {
  if (keep) console.log(`\nkept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  const total = results.reduce((s, r) => s + r.seconds, 0);
  console.log('\n=== check-package summary ===');
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.seconds.toFixed(1).padStart(6)} s  ${r.name}${r.note ? `\n${' '.repeat(16)}${r.note}` : ''}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${failed === 0 ? 'all passed' : `${failed} of ${results.length} FAILED`} in ${total.toFixed(1)} s`);
  process.exit(failed === 0 ? 0 : 1);
}
