/** The printed table. */
import type { CpuShares } from './cpu.ts';

const pct = (x: number | null) => (x === null ? '?' : `${Math.round(x * 100)}%`);

export function cpuLine(s: CpuShares): string {
  return `pool ${pct(s.threadPool)}, main ${pct(s.mainThread)}, load gen ${pct(s.loadGenerator)}, other procs ${pct(s.otherProcesses)}, idle ${pct(s.idle)}`;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "median (min-max)", each with `digits` decimals. */
export function spread(xs: readonly number[], digits: number): string {
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
}

export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

/** Columns padded to their widest cell; the first row is the header. */
export function grid(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => `  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`).join('\n');
}
