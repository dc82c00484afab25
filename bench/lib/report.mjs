// Tables (stdout and markdown) and a small hand-written SVG bar chart of the ratios: no dependency.
const f0 = (n) => (n == null ? '-' : Math.round(n).toLocaleString('en-US'));
const f1 = (n) => (n == null ? '-' : n.toFixed(1));
const r2 = (n) => (n == null ? '-' : n.toFixed(2));
const pct = (n) => (n == null ? '-' : `${Math.round(n * 100)}%`);
const status = (cell) => (cell.status === 'ok' ? null : cell.status === 'skipped' ? 'SKIPPED (not built)' : 'FAILED');

/** Tables as { title, headers, rows } built from the results object. */
export function tables(results) {
  const out = [];
  const s = results.server;
  if (s) {
    for (const sc of Object.values(s.scenarios)) {
      out.push({
        title: `Server (${sc.id}) ${sc.name}: ${sc.method} ${sc.path}, wrk 50 connections, median of ${s.runs} x ${s.seconds} s`,
        headers: ['contender', 'req/s', 'vs node:http', 'vs Fastify', 'vs node:http, per round', 'vs Fastify, per round', 'p99 ms'],
        rows: Object.values(sc.contenders).map((c) => status(c)
          ? [c.label, status(c), '', '', '', '', '']
          : [c.label, f0(c.medianRps), r2(c.vsNodeHttp), r2(c.vsFastify), r2(c.vsNodeHttpPaired), r2(c.vsFastifyPaired), r2(medianOf(c.runs, 'latencyP99Ms'))]),
      });
    }
  }
  const c = results.client;
  if (c) {
    for (const [mode, m] of Object.entries(c.modes)) {
      out.push({
        title: `Client ${mode}: ${m.name}, ${c.total} requests, 50 in flight, median of ${c.runs}`,
        headers: ['contender', 'req/s', 'vs undici.request', 'server core busy', 'client core busy'],
        rows: Object.values(m.contenders).map((x) => (status(x) ? [x.label, status(x), '', '', ''] : [x.label, f0(x.medianRps), r2(x.vsUndiciRequest), pct(x.medianServerCpu), pct(x.medianClientCpu)])),
      });
    }
  }
  const w = results.ws;
  if (w) {
    out.push({
      title: `WebSocket echo: ${w.connections} connections, 64-byte texts, median of ${w.runs} x ${w.seconds} s`,
      headers: ['pair', 'round trips/s', 'vs ws+ws', 'vs ws+ws, per round', 'server core busy', 'client core busy', 'server CPU us per round trip'],
      rows: Object.values(w.pairs).map((x) => (status(x) ? [x.label, status(x), '', '', '', '', '']
        : [x.label, f0(x.medianRps), r2(x.vsWs), r2(x.vsWsPaired), pct(x.medianServerCpu), pct(x.medianClientCpu), f1(x.medianServerUsPerRoundTrip)])),
    });
  }
  const m = results.memory;
  if (m) {
    out.push({
      title: `Memory: server RSS with ${m.idle.connections} idle keep-alive connections`,
      headers: ['contender', 'RSS before MiB', 'RSS with conns MiB', 'KiB/conn', 'RSS vs node:http'],
      rows: Object.values(m.idle.contenders).map((x) => (status(x) ? [x.label, status(x), '', '', '']
        : [x.label, f1(x.rssBeforeMiB), f1(x.rssWithConnectionsMiB), f1(x.perConnectionKiB), r2(x.rssVsNodeHttp)])),
    });
    out.push({
      title: `Memory: server RSS growth during a ${m.upload.bytes / 1048576} MiB upload (POST /upload, sha256)`,
      headers: ['contender', 'growth MiB', 'MiB/s'],
      rows: Object.values(m.upload.contenders).map((x) => (status(x) ? [x.label, status(x), ''] : [x.label, f1(x.growthMiB), f0(x.mibPerSecond)])),
    });
    out.push({
      title: `Memory: client RSS growth during a ${m.download.bytes / 1048576} MiB download (sha256)`,
      headers: ['contender', 'growth MiB', 'MiB/s'],
      rows: Object.values(m.download.contenders).map((x) => (status(x) ? [x.label, status(x), ''] : [x.label, f1(x.growthMiB), f0(x.mibPerSecond)])),
    });
    out.push({
      title: `Cold start: process start to listening (incl. runtime boot), framework import + setup, spawn to READY; median of ${m.coldStart.times} interleaved rounds`,
      headers: ['contender', 'start->listen ms', 'vs node:http', 'vs node:http, per round', 'import+setup ms', 'spawn->READY ms'],
      rows: Object.values(m.coldStart.contenders).map((x) => (status(x) ? [x.label, status(x), '', '', '', '']
        : [x.label, f0(x.startToListeningMs), r2(x.startVsNodeHttp), r2(x.startVsNodeHttpPaired), f0(x.importToListeningMs), f0(x.spawnToListeningMs)])),
    });
  }
  return out;
}

function medianOf(runs, key) {
  const v = runs.map((r) => r[key]).filter((x) => x != null).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function textTable({ title, headers, rows }) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((x, i) => (i === 0 ? String(x).padEnd(widths[i]) : String(x).padStart(widths[i]))).join('  ');
  return [title, line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdown(results) {
  const parts = [
    `# Benchmark results (${results.mode})`,
    '',
    `Made by \`${results.command}\` at ${results.startedAt} on ${results.machine.cpus} x ${results.machine.cpuModel}, ` +
      `${results.machine.os}, Node ${results.machine.node}, commit ${results.git.commit}${results.git.dirty ? ' (dirty)' : ''}. ` +
      `Servers pinned to CPU 0, load and clients to CPU 1. Raw numbers and commands: \`${results.jsonFile}\`.`,
    '',
    ...(results.machine.busyBeforeStart > 0.1
      ? [`**Warning:** the machine was ${(results.machine.busyBeforeStart * 100).toFixed(0)}% busy with other processes before the run started; absolute numbers are low and ratios noisy.`, '']
      : []),
    '![ratios](latest.svg)',
    '',
  ];
  for (const t of tables(results)) {
    parts.push(`## ${t.title}`, '', `| ${t.headers.join(' | ')} |`, `|${t.headers.map((_, i) => (i ? '---:' : '---')).join('|')}|`);
    for (const r of t.rows) parts.push(`| ${r.join(' | ')} |`);
    parts.push('');
  }
  const bad = results.statuses.filter((s) => s.status !== 'ok');
  if (bad.length) {
    parts.push('## Not run', '');
    for (const b of bad) parts.push(`- ${b.contender} ${b.section}/${b.item}: ${b.status === 'skipped' ? 'SKIPPED (not built)' : 'FAILED'}: ${b.reason}`);
    parts.push('');
  }
  return parts.join('\n');
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#86bcb6'];

/** Groups of bars: [{ title, bars: [{ label, value|null, note }] }] -> SVG text. */
export function svgChart(groups, { title, width = 860 } = {}) {
  const labelW = 260;
  const barH = 14;
  const gap = 3;
  const left = labelW + 10;
  const plotW = width - left - 70;
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.value ?? 0))) * 1.05;
  const x = (v) => left + (v / max) * plotW;
  const colors = new Map();
  const color = (label) => {
    if (label === 'aiohttp-ts' || label.startsWith('aiohttp-ts')) return '#d62728';
    if (!colors.has(label)) colors.set(label, colors.size < PALETTE.length ? PALETTE[colors.size] : `hsl(${(colors.size * 137.5) % 360},45%,55%)`);
    return colors.get(label);
  };
  const els = [];
  let y = 40;
  els.push(`<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (const g of groups) {
    els.push(`<text x="10" y="${y + 12}" font-size="12" font-weight="bold">${esc(g.title)}</text>`);
    y += 18;
    const bottom = y + g.bars.length * (barH + gap);
    els.push(`<line x1="${x(1).toFixed(1)}" y1="${y - 2}" x2="${x(1).toFixed(1)}" y2="${bottom}" stroke="#333" stroke-dasharray="3,2"/>`);
    for (const b of g.bars) {
      els.push(`<text x="${labelW}" y="${y + barH - 3}" font-size="11" text-anchor="end">${esc(b.label)}</text>`);
      if (b.value == null) {
        els.push(`<text x="${left + 4}" y="${y + barH - 3}" font-size="11" fill="#888">${esc(b.note ?? 'n/a')}</text>`);
      } else {
        els.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(b.value) - left).toFixed(1)}" height="${barH}" fill="${color(b.label)}"/>`);
        els.push(`<text x="${(x(b.value) + 4).toFixed(1)}" y="${y + barH - 3}" font-size="11">${b.value.toFixed(2)}</text>`);
      }
      y += barH + gap;
    }
    y += 12;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${els.join('\n')}\n</svg>\n`;
}

export const chartTitle = (r) => `aiohttp-ts bench (${r.mode}, ${r.startedAt.slice(0, 16)}Z, Node ${r.machine.node}): higher is better, 1.00 = ceiling`;

/** The chart of every throughput ratio in the results (server vs node:http, client vs undici.request, ws vs ws). */
export function chartGroups(results) {
  const groups = [];
  const bar = (c, v) => ({ label: c.label, value: c.status === 'ok' ? v : null, note: c.status === 'skipped' ? 'SKIPPED (not built)' : c.status === 'failed' ? 'FAILED' : undefined });
  if (results.server) {
    for (const sc of Object.values(results.server.scenarios)) {
      groups.push({ title: `server (${sc.id}) ${sc.name}: ratio to node:http`, bars: Object.values(sc.contenders).map((c) => bar(c, c.vsNodeHttp)) });
    }
  }
  if (results.client) {
    for (const [mode, m] of Object.entries(results.client.modes)) {
      groups.push({ title: `client ${mode}: ${m.name}: ratio to undici.request`, bars: Object.values(m.contenders).map((c) => bar(c, c.vsUndiciRequest)) });
    }
  }
  if (results.ws) {
    groups.push({ title: 'WebSocket echo: ratio to ws server + ws client', bars: Object.values(results.ws.pairs).map((c) => bar(c, c.vsWs)) });
  }
  return groups;
}
