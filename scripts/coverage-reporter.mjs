// node:test reporter for `npm run coverage`: the coverage of the package's own code (build/src), one
// line per file and an overall line. Node 20 has no --test-coverage-exclude, so the test files, test
// helpers and examples that node's report also measures are filtered out here.
import { relative, sep } from 'node:path';

const SRC = `build${sep}src${sep}`;
const pct = (covered, total) => (total === 0 ? 100 : (100 * covered) / total).toFixed(2).padStart(6);

export default async function* coverageReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:coverage') continue;
    const { summary } = event.data;
    const files = summary.files
      .map((f) => ({ ...f, rel: relative(summary.workingDirectory, f.path) }))
      .filter((f) => f.rel.startsWith(SRC))
      .sort((a, b) => a.rel.localeCompare(b.rel));
    const sum = { lines: 0, coveredLines: 0, branches: 0, coveredBranches: 0, functions: 0, coveredFunctions: 0 };
    const width = Math.max(9, ...files.map((f) => f.rel.length - SRC.length));
    let out = `\ncoverage of build/src (${files.length} files)\n${'file'.padEnd(width)}  line %  branch %  funcs %\n`;
    for (const f of files) {
      sum.lines += f.totalLineCount;
      sum.coveredLines += f.coveredLineCount;
      sum.branches += f.totalBranchCount;
      sum.coveredBranches += f.coveredBranchCount;
      sum.functions += f.totalFunctionCount;
      sum.coveredFunctions += f.coveredFunctionCount;
      out += `${f.rel.slice(SRC.length).padEnd(width)}  ${pct(f.coveredLineCount, f.totalLineCount)}    ${pct(f.coveredBranchCount, f.totalBranchCount)}   ${pct(f.coveredFunctionCount, f.totalFunctionCount)}\n`;
    }
    out += `${'all files'.padEnd(width)}  ${pct(sum.coveredLines, sum.lines)}    ${pct(sum.coveredBranches, sum.branches)}   ${pct(sum.coveredFunctions, sum.functions)}\n`;
    yield out;
  }
}
