// Markdown helpers for RESULTS.md: number formatting that keeps tables readable and a
// table printer. Input: rows of strings; output: markdown text.
import { spreadPercent, type Summary } from './stats.ts';

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

/** "1,234 (±3%)" or "1,234 (1,200–1,260)" depending on how many samples there are. */
export function fmtSummary(s: Summary, digits = 1): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export function fmtSpread(s: Summary): string {
  return s.n < 2 ? 'single run' : `±${spreadPercent(s).toFixed(1)}%`;
}

export function fmtRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

export function fmtBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return `${(bytes / 1024).toFixed(1)} KiB (${bytes.toLocaleString('en-US')} B)`;
}

export function goalLine(met: boolean | null, text: string): string {
  const mark = met === null ? 'NOT MEASURED' : met ? 'MET' : 'MISSED';
  return `- **${mark}**: ${text}`;
}
