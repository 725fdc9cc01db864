// Draws SVG charts (hand-written SVG, no dependency) from the figures in bench/RESULTS.md, i.e. from the
// latest run of each bench, into bench/charts/*.svg, and links them from RESULTS.md ("Charts" section).
//   node --import tsx bench/charts.ts [--write]   (without --write: charts only, RESULTS.md untouched)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeResultsSection } from './lib/results.js';

const RESULTS = join(import.meta.dirname, 'RESULTS.md');
const OUT = join(import.meta.dirname, 'charts');
const text = readFileSync(RESULTS, 'utf8');

/** Cells of the first table after `## section` (and after `### sub` within it when given). */
function tableOf(section: string, sub?: string): string[][] {
  const start = text.indexOf(`## ${section}\n`);
  if (start < 0) throw new Error(`RESULTS.md has no section "## ${section}"`);
  const next = text.indexOf('\n## ', start + 4);
  let body = text.slice(start, next < 0 ? text.length : next);
  if (sub) {
    const at = body.indexOf(`### ${sub}`);
    if (at < 0) throw new Error(`no "### ${sub}" in "## ${section}"`);
    body = body.slice(at);
  }
  const lines = body.split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (let i = first + 2; i < lines.length && lines[i]!.startsWith('|'); i++)
    rows.push(
      lines[i]!.slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  return rows;
}
const num = (cell: string) => Number.parseFloat(cell.replace(/,/g, ''));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

interface Series {
  name: string;
  color: string;
  values: number[];
}
interface Chart {
  title: string;
  subtitle: string;
  unit: string;
  groups: string[];
  series: Series[];
  log?: boolean;
  /** Horizontal reference lines (e.g. the loopback limit, a target). */
  lines?: Array<{ label: string; value: number; color: string }>;
}

/** A grouped bar chart: one group per category, one bar per series, value labels on the bars. */
function barChart(c: Chart): string {
  const W = 760;
  const H = 420;
  const left = 70;
  const right = 20;
  const top = 70;
  const bottom = 60;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const all = [...c.series.flatMap((s) => s.values), ...(c.lines ?? []).map((l) => l.value)].filter((v) => v > 0);
  const maxV = Math.max(...all);
  let y: (v: number) => number;
  let ticks: number[];
  if (c.log) {
    const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
    const hi = 10 ** Math.ceil(Math.log10(maxV));
    y = (v) =>
      top + plotH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
    ticks = [];
    for (let t = lo; t <= hi; t *= 10) ticks.push(t);
  } else {
    const step = 10 ** Math.floor(Math.log10(maxV / 4));
    const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => maxV / s <= 6)!;
    const hi = Math.ceil((maxV * 1.1) / nice) * nice;
    y = (v) => top + plotH - (v / hi) * plotH;
    ticks = [];
    for (let t = 0; t <= hi + 1e-9; t += nice) ticks.push(t);
  }
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="24" font-size="16" font-weight="bold" fill="#222">${esc(c.title)}</text>`);
  out.push(`<text x="${left}" y="42" fill="#555">${esc(c.subtitle)}</text>`);
  for (const t of ticks) {
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e3e3e3"/>`);
    out.push(
      `<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${t.toLocaleString('en')}</text>`,
    );
  }
  out.push(
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle" fill="#555">${esc(c.unit)}${c.log ? ' (log scale)' : ''}</text>`,
  );
  const groupW = plotW / c.groups.length;
  const barW = Math.min(48, (groupW * 0.8) / c.series.length);
  c.groups.forEach((g, gi) => {
    const x0 = left + gi * groupW + (groupW - barW * c.series.length) / 2;
    c.series.forEach((s, si) => {
      const v = s.values[gi]!;
      if (!(v > 0)) return;
      const x = x0 + si * barW;
      const yt = y(v);
      out.push(
        `<rect x="${(x + 1).toFixed(1)}" y="${yt.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - yt).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name}, ${g}: ${fmt(v)} ${c.unit}`)}</title></rect>`,
      );
      out.push(
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(yt - 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#333">${fmt(v)}</text>`,
      );
    });
    out.push(
      `<text x="${(left + gi * groupW + groupW / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle" fill="#222">${esc(g)}</text>`,
    );
  });
  for (const l of c.lines ?? []) {
    const yl = y(l.value).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${W - right}" y1="${yl}" y2="${yl}" stroke="${l.color}" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
    out.push(
      `<text x="${W - right - 4}" y="${(Number(yl) - 6).toFixed(1)}" text-anchor="end" fill="${l.color}" font-weight="bold">${esc(`${l.label}: ${fmt(l.value)}`)}</text>`,
    );
  }
  out.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`);
  // Legend under the plot.
  let lx = left;
  for (const s of c.series) {
    out.push(`<rect x="${lx}" y="${H - 22}" width="12" height="12" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 16}" y="${H - 12}" fill="#222">${esc(s.name)}</text>`);
    lx += 24 + s.name.length * 7;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const BLUE = '#2b6cb0';
const TEAL = '#38a169';
const ORANGE = '#dd6b20';
const PURPLE = '#805ad5';
const RED = '#c53030';
const charts: Array<{ file: string; alt: string; svg: string }> = [];

// 1. Throughput by record size, Sluice vs the loopback limit.
{
  const rows = tableOf('End-to-end matrix (sizes, rates, producers, partitions)', 'Produce and replay by record size');
  const e2e = text.slice(text.indexOf('## End to end (broker + SDK)'));
  const loopback = num(/Loopback limit[^*]*\*\*([\d.]+) MiB\/s/.exec(e2e)![1]!);
  charts.push({
    file: 'throughput-by-size.svg',
    alt: 'Produce and replay MiB/s by record size against the loopback limit',
    svg: barChart({
      title: 'Sluice throughput by record size vs the loopback limit',
      subtitle: 'one partition, acks=1, flush os; broker and SDK client share 2 cores (matrix + e2e sections)',
      unit: 'MiB/s',
      log: true,
      groups: rows.map((r) => r[0]!),
      series: [
        { name: 'produce', color: BLUE, values: rows.map((r) => num(r[3]!)) },
        { name: 'replay', color: TEAL, values: rows.map((r) => num(r[5]!)) },
      ],
      lines: [{ label: 'Node loopback TCP limit (64 KiB writes)', value: loopback, color: RED }],
    }),
  });
}

// 2. Sluice vs peers (100 B records, matched durability).
{
  const e2e = text.slice(text.indexOf('## End to end (broker + SDK)'));
  const peerTable = e2e.slice(e2e.indexOf('| 100 B records'));
  const all = peerTable.split('\n');
  const end = all.findIndex((l) => !l.startsWith('|'));
  const lines = all.slice(2, end < 0 ? all.length : end).map((l) =>
    l
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim()),
  );
  // A peer cell may hold "raw / library" figures: the chart shows the faster client.
  const pick = (col: number) => lines.map((r) => Math.max(...r[col]!.split(' / ').map(num)));
  charts.push({
    file: 'peers.svg',
    alt: 'Sluice vs Redis Streams vs NATS JetStream, produce and replay k records/s',
    svg: barChart({
      title: 'Sluice vs peers, 100-byte records (thousand records/s)',
      subtitle:
        'same machine, same run; Sluice flush 1000 ms, Redis appendonly everysec, NATS JetStream file storage; each peer by its faster client',
      unit: 'k records/s',
      groups: lines.map((r) => r[0]!),
      series: [
        { name: 'Sluice', color: BLUE, values: pick(1) },
        { name: 'Redis Streams', color: RED, values: pick(2) },
        { name: 'NATS JetStream', color: PURPLE, values: pick(3) },
      ],
    }),
  });
}

// 3. Recovery time against log size.
try {
  const rows = tableOf('Scale: recovery time against log size').filter((r) => r[0] !== 'empty data dir');
  charts.push({
    file: 'recovery.svg',
    alt: 'Open time after clean shutdown vs after SIGKILL by log size',
    svg: barChart({
      title: 'sluice serve open time (spawn → listening) by log size',
      subtitle:
        'one partition; clean = after SIGTERM, crash = after SIGKILL (recovery scan); includes ~0.5 s Node start-up',
      unit: 'ms',
      groups: rows.map((r) => r[0]!),
      series: [
        { name: 'clean shutdown', color: TEAL, values: rows.map((r) => num(r[2]!)) },
        { name: 'after SIGKILL', color: ORANGE, values: rows.map((r) => num(r[3]!)) },
      ],
    }),
  });
} catch (err) {
  process.stderr.write(`recovery chart skipped: ${(err as Error).message}\n`);
}

// 4. Broker RSS: idle connections, partitions.
try {
  const conn = tableOf('Scale: idle connections').filter((r) => /^[\d,]+$/.test(r[0]!));
  const parts = tableOf('Scale: 10,000 partitions on one broker');
  charts.push({
    file: 'broker-memory.svg',
    alt: 'Broker RSS with idle connections and with 1 vs 10,000 partitions',
    svg: barChart({
      title: 'Broker resident memory (RSS, MiB)',
      subtitle: 'idle connections (each did ApiVersions); partitions after produce and after restart',
      unit: 'MiB',
      groups: [...conn.map((r) => `${r[0]} conn.`), ...parts.map((r) => `${r[0]} partitions`)],
      series: [
        {
          name: 'RSS (connections; partitions after produce)',
          color: BLUE,
          values: [...conn.map((r) => num(r[1]!)), ...parts.map((r) => num(r[4]!))],
        },
        { name: 'RSS after restart', color: TEAL, values: [...conn.map(() => 0), ...parts.map((r) => num(r[8]!))] },
      ],
      lines: [{ label: 'target at 10,000 partitions', value: 1024, color: RED }],
    }),
  });
} catch (err) {
  process.stderr.write(`memory chart skipped: ${(err as Error).message}\n`);
}

mkdirSync(OUT, { recursive: true });
for (const c of charts) writeFileSync(join(OUT, c.file), c.svg);
process.stdout.write(`wrote ${charts.map((c) => `bench/charts/${c.file}`).join(', ')}\n`);
if (process.argv.includes('--write')) {
  writeResultsSection(
    'Charts',
    [
      'Drawn by `node --import tsx bench/charts.ts --write` from the tables in this file (so they show the latest run of each section): hand-written SVG, no dependency.',
      '',
      ...charts.map((c) => `![${c.alt}](charts/${c.file})`),
    ].join('\n\n'),
  );
}
