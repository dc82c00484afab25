#!/usr/bin/env node
// Re-render bench/results/latest.md and latest.svg (or --print the tables) from a results JSON:
//   node bench/render.mjs bench/results/2026-11-26-quick.json [--print]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './lib/context.mjs';
import { chartGroups, chartTitle, markdown, svgChart, tables, textTable } from './lib/report.mjs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/render.mjs RESULTS.json [--print]\n');
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, 'utf8'));
if (process.argv.includes('--print')) {
  for (const t of tables(results)) process.stdout.write(`${textTable(t)}\n\n`);
} else {
  writeFileSync(join(BENCH_DIR, 'results', 'latest.svg'), svgChart(chartGroups(results), { title: chartTitle(results) }));
  writeFileSync(join(BENCH_DIR, 'results', 'latest.md'), markdown(results));
  process.stdout.write('wrote bench/results/latest.md and bench/results/latest.svg\n');
}
