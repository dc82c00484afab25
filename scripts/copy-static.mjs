// Copies the demo app's static folder next to the compiled demo: `node scripts/copy-static.mjs <outDir>`
// (dist for the package, build/src for the tests). tsc only emits .ts output, so the files need this step.
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node scripts/copy-static.mjs <outDir>');
  process.exit(2);
}
const target = path.resolve(root, outDir, 'demo', 'static');
rmSync(target, { recursive: true, force: true });
cpSync(path.join(root, 'src', 'demo', 'static'), target, { recursive: true });
