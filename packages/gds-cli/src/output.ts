/**
 * Everything the CLI prints. `--json` writes exactly one JSON document to stdout and nothing
 * else there (progress and prompts go to stderr); otherwise tables for people. Every string
 * passes through the core's `redact()` and URL-password redaction before it is printed.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type TableType from 'cli-table3';
import { redactText } from './redaction.js';

/** Where and how to print. */
export interface Output {
  /** `--json` given. */
  json: boolean;
  /** stdout. */
  out: NodeJS.WritableStream;
  /** stderr. */
  err: NodeJS.WritableStream;
}

/**
 * The process's streams.
 *
 * ### Examples
 * ```ts
 * const output = processOutput(true);
 * ```
 */
export function processOutput(json: boolean): Output {
  return { json, out: process.stdout, err: process.stderr };
}

let TableClass: typeof TableType | undefined;
/** cli-table3, loaded on first use so that commands that print no table never load it. */
function Table(options: TableType.TableConstructorOptions): TableType.Table {
  TableClass ??= createRequire(import.meta.url)('cli-table3') as typeof TableType;
  return new TableClass(options);
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
export function printTable(output: Output, head: string[], rows: (string | number | boolean | undefined | null)[][]): void {
  const table = Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map((c) => redactText(c === undefined || c === null ? '' : String(c))));
  output.out.write(`${table.toString()}\n`);
}

/**
 * Writes key/value pairs as a two-column table.
 *
 * ### Examples
 * ```ts
 * printRecord(output, { name: 'app', owner: 'postgres' });
 * ```
 */
export function printRecord(output: Output, record: Record<string, unknown>): void {
  const table = Table({ style: { head: [], border: [] } });
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    const text = v instanceof Date ? v.toISOString() : typeof v === 'object' && v !== null ? JSON.stringify(jsonSafe(v)) : String(v);
    table.push({ [k]: redactText(text) });
  }
  output.out.write(`${table.toString()}\n`);
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
