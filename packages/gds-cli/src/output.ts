/**
 * Everything the CLI prints. `--json` writes exactly one JSON document to stdout and nothing
 * else there (progress and prompts go to stderr); otherwise tables for people. Every string
 * passes through the core's `redact()` and URL-password redaction before it is printed.
 *
 * @module
 */
import { redactText } from './redaction.js';

/** The output formats of `--format`. */
export const FORMATS = ['table', 'json', 'tsv', 'csv'] as const;
/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];

/** Where and how to print. */
export interface Output {
  /** `--json` or `--format json` given. */
  json: boolean;
  /** stdout. */
  out: NodeJS.WritableStream;
  /** stderr. */
  err: NodeJS.WritableStream;
  /** The format of tables: `--format`, else `table` on a terminal and `tsv` when piped. */
  format?: Format;
  /** Whether states may be coloured: stdout is a terminal and `NO_COLOR` is not set. */
  color?: boolean;
}

/**
 * The format to use: the one asked for, else `table` on a terminal and `tsv` when piped.
 *
 * ### Examples
 * ```ts
 * chooseFormat(undefined, false, false); // 'tsv'
 * ```
 */
export function chooseFormat(asked: string | undefined, json: boolean, isTTY: boolean): Format {
  if (json) return 'json';
  if (asked && (FORMATS as readonly string[]).includes(asked)) return asked as Format;
  return isTTY ? 'table' : 'tsv';
}

/**
 * Whether colour is allowed: on a terminal, and never with `NO_COLOR` set to anything non-empty
 * (https://no-color.org) or `TERM=dumb`.
 *
 * ### Examples
 * ```ts
 * colorAllowed(true, { NO_COLOR: '1' }); // false
 * ```
 */
export function colorAllowed(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

/**
 * The process's streams.
 *
 * ### Examples
 * ```ts
 * const output = processOutput(true);
 * ```
 */
export function processOutput(json: boolean, format?: string): Output {
  const tty = Boolean(process.stdout.isTTY);
  const chosen = chooseFormat(format, json, tty);
  return { json: chosen === 'json', out: process.stdout, err: process.stderr, format: chosen, color: colorAllowed(tty) };
}

/**
 * A table cell: the text people see in a table (`75.6 MiB`), the exact value written in
 * tsv/csv (`79263546`), and a tone that colours it on a terminal.
 */
export interface RichCell {
  /** What a table shows. */
  text: string;
  /** What tsv/csv write (defaults to `text`). */
  exact?: string | number | boolean;
  /** Colour on a terminal: good (green), warn (yellow), bad (red). */
  tone?: Tone;
}
/** A state's colour class. */
export type Tone = 'good' | 'warn' | 'bad';
/** What a table cell may hold. */
export type Cell = string | number | boolean | undefined | null | RichCell;

const TONE_CODES: Record<Tone, string> = { good: '32', warn: '33', bad: '31' };

/**
 * Colours `text` by `tone` when `color` is true.
 *
 * ### Examples
 * ```ts
 * paint('healthy', 'good', true); // '\x1b[32mhealthy\x1b[39m'
 * ```
 */
export function paint(text: string, tone: Tone | undefined, color: boolean | undefined): string {
  return tone && color ? `\x1b[${TONE_CODES[tone]}m${text}\x1b[39m` : text;
}

const GOOD = /^(online|healthy|synced|streaming|ok|true|sync|quorum|read_write|read-write|running|active)$/i;
const BAD = /^(offline|unhealthy|disconnected|failed|down|error|missing|suspect|emergency|false|stopped|unreachable|recovery_pending)$/i;

/**
 * The tone of a state word: online/healthy/streaming are good, offline/unhealthy/down bad, the
 * rest (catchup, restoring, single_user...) a warning.
 *
 * ### Examples
 * ```ts
 * stateTone('streaming'); // 'good'
 * ```
 */
export function stateTone(state: string | boolean | undefined): Tone | undefined {
  if (state === undefined || state === '') return undefined;
  const s = String(state);
  return GOOD.test(s) ? 'good' : BAD.test(s) ? 'bad' : 'warn';
}

/**
 * A state cell (coloured on a terminal).
 *
 * ### Examples
 * ```ts
 * stateCell('online');
 * ```
 */
export function stateCell(state: string | boolean | undefined): RichCell {
  return { text: state === undefined ? '' : String(state), tone: stateTone(state) };
}

/**
 * A size cell: human in a table, the exact byte count in tsv/csv.
 *
 * ### Examples
 * ```ts
 * bytesCell(79263546); // { text: '75.6 MiB', exact: 79263546 }
 * ```
 */
export function bytesCell(bytes: number | undefined): RichCell {
  return bytes === undefined || !Number.isFinite(bytes) ? { text: '', exact: '' } : { text: formatBytes(bytes), exact: bytes };
}

/**
 * A duration cell from seconds: human in a table (`1.2 s`, `3m 04s`), exact in tsv/csv.
 *
 * ### Examples
 * ```ts
 * secondsCell(0.25); // { text: '250 ms', exact: 0.25 }
 * ```
 */
export function secondsCell(seconds: number | undefined): RichCell {
  return seconds === undefined || !Number.isFinite(seconds) ? { text: '', exact: '' } : { text: formatDuration(seconds * 1000), exact: seconds };
}

/**
 * Milliseconds for people: `250 ms`, `1.2 s`, `3m 04s`, `2h 05m`.
 *
 * ### Examples
 * ```ts
 * formatDuration(184_000); // '3m 04s'
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A number for a table: integers as they are, fractions to at most two decimals. */
function humanNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2)));
}

function isRich(c: Cell): c is RichCell {
  return typeof c === 'object' && c !== null;
}

function cellText(c: Cell): string {
  if (isRich(c)) return c.text;
  if (c === undefined || c === null) return '';
  return typeof c === 'number' ? humanNumber(c) : String(c);
}

function cellExact(c: Cell): string {
  if (isRich(c)) return String(c.exact ?? c.text);
  return c === undefined || c === null ? '' : String(c);
}

/** Strips tabs and newlines from a tsv field (tsv has no quoting). */
const tsvField = (s: string) => s.replace(/[\t\r\n]+/g, ' ');
/** Quotes a csv field when needed (RFC 4180). */
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Space-aligned columns with no box-drawing characters (a table when stdout is not a terminal). */
function plainTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** On a terminal: aligned columns, a rule under the header only (no line between rows), states in colour. */
function terminalTable(head: string[], rows: string[][], tones: (Tone | undefined)[][], color: boolean | undefined): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], toneRow: (Tone | undefined)[] = []) =>
    cells
      .map((c, i) => paint(i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0), toneRow[i], color))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map((r, i) => line(r, tones[i]))].join('\n');
}


function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v)),
  ) as unknown;
}

/**
 * Writes one JSON document (redacted) to stdout.
 *
 * ### Examples
 * ```ts
 * printJson(output, { databases: [] });
 * ```
 */
export function printJson(output: Output, value: unknown): void {
  output.out.write(`${redactText(JSON.stringify(jsonSafe(value), null, 2))}\n`);
}

/**
 * Writes a table with a header row.
 *
 * ### Examples
 * ```ts
 * printTable(output, ['name', 'size'], [['app', '8 MiB']]);
 * ```
 */
export function printTable(output: Output, head: string[], rows: Cell[][]): void {
  const format = output.format ?? 'table';
  if (format === 'tsv' || format === 'csv') {
    const field = format === 'tsv' ? tsvField : csvField;
    const sep = format === 'tsv' ? '\t' : ',';
    const lines = [head, ...rows.map((r) => r.map((c) => redactText(cellExact(c))))].map((r) => r.map(field).join(sep));
    output.out.write(`${lines.join('\n')}\n`);
    return;
  }
  const texts = rows.map((r) => r.map((c) => tsvField(redactText(cellText(c))))); // a tab or newline would break the columns
  const tty = Boolean((output.out as { isTTY?: boolean }).isTTY);
  if (!tty) {
    output.out.write(`${plainTable(head, texts)}\n`);
    return;
  }
  const tones = rows.map((r) => r.map((c) => (isRich(c) ? c.tone : undefined)));
  output.out.write(`${terminalTable(head, texts, tones, output.color)}\n`);
}

/**
 * Writes key/value pairs as a two-column table.
 *
 * ### Examples
 * ```ts
 * printRecord(output, { name: 'app', owner: 'postgres' });
 * ```
 */
export function printRecord(output: Output, record: Record<string, Cell | unknown>): void {
  const rows: Cell[][] = [];
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    const cell: Cell =
      v instanceof Date ? v.toISOString() : typeof v === 'object' && v !== null && !('text' in v) ? JSON.stringify(jsonSafe(v)) : (v as Cell);
    rows.push([k, cell]);
  }
  printTable(output, ['key', 'value'], rows);
}

/**
 * Writes a line to stdout (human mode only).
 *
 * ### Examples
 * ```ts
 * printLine(output, 'dropped database "app"');
 * ```
 */
export function printLine(output: Output, line: string): void {
  if (!output.json) output.out.write(`${redactText(line)}\n`);
}

/**
 * Bytes for people: `1.5 MiB`.
 *
 * ### Examples
 * ```ts
 * formatBytes(1536); // '1.5 KiB'
 * ```
 */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
