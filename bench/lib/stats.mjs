export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export const ratio = (x, base) => (Number.isFinite(x) && Number.isFinite(base) && base > 0 ? x / base : null);

/** `arr` rotated left by `k`: run k of an interleaved round starts at contender k. */
export const rotate = (arr, k) => (arr.length ? arr.map((_, i) => arr[(i + k) % arr.length]) : arr);

/** Medians of a cell's runs: rate, and how busy the server's and the client's cores were. */
export function runMedians(runs) {
  return {
    medianRps: median(runs.map((r) => r.rps)),
    medianServerCpu: median(runs.map((r) => r.serverCpu)),
    medianClientCpu: median(runs.map((r) => r.clientCpu)),
  };
}

/** Median over rounds of runs[round][key] / baseRuns[round][key], rounds where both ran. */
export function pairedRatio(runs, baseRuns, key = 'rps') {
  if (!baseRuns) return null;
  const base = new Map(baseRuns.map((r) => [r.round, r[key]]));
  return median(runs.filter((r) => base.has(r.round)).map((r) => ratio(r[key], base.get(r.round))));
}
