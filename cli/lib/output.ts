// What the CLI prints: aligned tables for people, one JSON object per line for scripts, colors and
// progress bars only when the stream is a terminal (and NO_COLOR is unset).
import type { Writable } from 'node:stream';

export interface OutStream {
  write(chunk: string | Uint8Array): boolean;
  isTTY?: boolean;
  columns?: number;
}

export function isTerminal(stream: OutStream): boolean {
  return stream.isTTY === true;
}

export function colorsEnabled(stream: OutStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTerminal(stream) && env.TERM !== 'dumb';
}

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const identity = (s: string) => s;

export function paint(enabled: boolean): Paint {
  if (!enabled)
    return { bold: identity, dim: identity, red: identity, green: identity, yellow: identity, cyan: identity };
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleLength = (s: string) => s.replace(ANSI, '').length;

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** An aligned table: header row (bold on a terminal), then rows; numbers are usually right-aligned. */
export function renderTable(columns: Column[], rows: string[][], p: Paint = paint(false)): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[], style: (s: string) => string = identity) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - visibleLength(cell)));
        const last = i === cells.length - 1;
        return columns[i]?.align === 'right' ? pad + style(cell) : last ? style(cell) : style(cell) + pad;
      })
      .join('  ')
      .trimEnd();
  return `${[
    line(
      columns.map((c) => c.header),
      p.bold,
    ),
    ...rows.map((r) => line(r)),
  ].join('\n')}\n`;
}

/** `key: value` lines with aligned values. */
export function renderPairs(pairs: Array<[string, string]>, p: Paint = paint(false)): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return `${pairs.map(([k, v]) => `${p.bold(`${k}:`)}${' '.repeat(width - k.length + 1)}${v}`).join('\n')}\n`;
}

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

const grouping = new Intl.NumberFormat('en-US');
export const formatCount = (n: number) => grouping.format(n);

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/**
 * A one-line progress bar redrawn in place on a terminal; silent elsewhere. Redraws at most every
 * 100 ms so a fast loop pays nothing for it.
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly stream: OutStream,
    private readonly label: string,
    private total: number,
    private readonly enabled = isTerminal(stream),
  ) {}

  setTotal(total: number): void {
    this.total = total;
  }

  update(done: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 60));
    const ratio = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(ratio * width);
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const pct = `${(ratio * 100).toFixed(0).padStart(3)}%`;
    this.stream.write(
      `\r\x1b[2K${this.label} ${bar} ${pct} ${formatCount(done)}/${formatCount(this.total)} (${formatCount(rate)}/s)`,
    );
    this.drawn = true;
  }

  /** Final redraw, then moves to a fresh line. */
  finish(done: number): void {
    if (!this.enabled) return;
    this.update(done, true);
    if (this.drawn) this.stream.write('\n');
  }

  /** Erases the bar (before printing an error, say). */
  clear(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** Resolves once `stream` can take more (after a write returned false). */
export function drained(stream: Writable | NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.once('drain', resolve));
}
