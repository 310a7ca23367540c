// RESULTS.md as a whole: named sections between `<!-- bench:begin NAME -->` and
// `<!-- bench:end NAME -->` markers. The runner regenerates its own sections, keeps the
// hand-written notes, and keeps (or lets other scripts regenerate) everyone else's text.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESULTS_PATH = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

export interface Section {
  readonly name: string;
  readonly markdown: string;
}

const begin = (name: string) => `<!-- bench:begin ${name} -->`;
const end = (name: string) => `<!-- bench:end ${name} -->`;

export function renderSection(section: Section): string {
  return `${begin(section.name)}\n${section.markdown.trim()}\n${end(section.name)}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function sectionPattern(name: string): RegExp {
  return new RegExp(`${escapeRegExp(begin(name))}[\\s\\S]*?${escapeRegExp(end(name))}\\n?`, 'g');
}

/** The body of a named section, or null when the text has none. */
export function extractSection(text: string, name: string): string | null {
  const match = new RegExp(`${escapeRegExp(begin(name))}\\n?([\\s\\S]*?)\\n?${escapeRegExp(end(name))}`).exec(text);
  return match ? match[1]! : null;
}

/** The text with the named sections removed: what other scripts contributed. */
export function stripSections(text: string, names: readonly string[]): string {
  let rest = text;
  for (const name of names) rest = rest.replace(sectionPattern(name), '');
  return rest.replace(/\n{3,}/g, '\n\n').trim();
}

/** Replaces (or appends) one named section in a file; other scripts may use this too. */
export function writeSection(section: Section, path = RESULTS_PATH): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const rendered = renderSection(section);
  const next = sectionPattern(section.name).test(text)
    ? text.replace(sectionPattern(section.name), `${rendered}\n`)
    : `${text.trimEnd()}${text.trim() ? '\n\n' : ''}${rendered}\n`;
  writeFileSync(path, next);
}

export function readResults(path = RESULTS_PATH): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Own sections first (in order), then the foreign text, then the trailing sections. */
export function composeResults(head: readonly Section[], foreign: string, tail: readonly Section[]): string {
  const parts = [...head.map(renderSection)];
  if (foreign.trim()) parts.push(foreign.trim());
  parts.push(...tail.map(renderSection));
  return `${parts.join('\n\n')}\n`;
}
