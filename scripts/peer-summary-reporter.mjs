/**
 * A node:test reporter that prints one line at the end of a run naming the outside peers whose tests
 * were skipped (test/helpers/peers.ts gives those skips a reason starting with SKIP_PREFIX), e.g.
 *   "5 suites and 2 tests skipped: nginx, chromium missing — see CONTRIBUTING.md"
 * It prints nothing when no peer was missing. Used beside the spec reporter by `npm test`.
 */
const SKIP_PREFIX = 'outside peer missing:';
const NAME = /outside peer missing: (.+?) \(/g;

export default async function* peerSummary(source) {
  let suites = 0;
  let tests = 0;
  const missing = new Set();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const skip = event.data.skip;
    if (typeof skip !== 'string' || !skip.startsWith(SKIP_PREFIX)) continue;
    if (event.data.details?.type === 'suite') suites++;
    else tests++;
    for (const m of skip.matchAll(NAME)) missing.add(m[1]);
  }
  if (suites + tests === 0) return;
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const counts = [suites && plural(suites, 'suite'), tests && plural(tests, 'test')].filter(Boolean).join(' and ');
  yield `\n${counts} skipped: ${[...missing].join(', ')} missing — see CONTRIBUTING.md\n`;
}
