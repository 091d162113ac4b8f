/**
 * `gds ha status|lag|failover [db]`: the HA configuration a database belongs to. The database
 * defaults to the one in the URL's path.
 *
 * @module
 */
import type { HANodeInfo, HighAvailabilityManager } from '@gds/database';
import type { CliContext } from '../context.js';
import { databaseOfUrl, parseTargetUrl, serverDatabaseOf } from '../target-url.js';

/** Engines whose HA configuration is the whole server's (a replica set, streaming replication): any database reaches it. */
const SERVER_WIDE_HA: ReadonlySet<string> = new Set(['postgresql', 'mongodb']);
import { bytesCell, printJson, printLine, printTable, secondsCell, stateCell, type Cell } from '../output.js';
import { UsageError } from '../usage-error.js';
import { printResult } from './print-result.js';

export async function haOf(ctx: CliContext, db: string | undefined): Promise<{ name: string; ha: HighAvailabilityManager }> {
  const manager = await ctx.manager();
  // a scheme-aware split: MongoDB seed lists (mongodb://h1,h2,h3/?replicaSet=rs0) are not WHATWG URLs
  const { engine } = await ctx.engine();
  const name = db ?? databaseOfUrl(ctx.url()) ?? (SERVER_WIDE_HA.has(engine) ? serverDatabaseOf(engine) : undefined);
  if (!name) throw new UsageError('name the database: gds ha <command> <db>, or put it in the URL path');
  const database = manager.getDatabase(name);
  const ha = database.ha;
  if (!ha) throw new UsageError(`the ${database.type} engine offers no high-availability operations`);
  return { name, ha };
}

/**
 * `gds ha status [db]`: configuration, nodes, status and health.
 *
 * ### Examples
 * ```ts
 * await haStatusCommand(ctx, undefined);
 * ```
 */
export async function haStatusCommand(ctx: CliContext, db: string | undefined): Promise<void> {
  const { name, ha } = await haOf(ctx, db);
  const options = ctx.readOptions();
  const [configuration, status, healthy] = [await ha.getConfiguration(options), await ha.getStatus(options), await ha.isHealthy(options)];
  if (ctx.output.json) {
    printJson(ctx.output, { ok: true, database: name, status, healthy, configuration: configuration ?? null });
    return;
  }
  if (!configuration) {
    printLine(ctx.output, `${name}: no HA configuration (status ${status})`);
    return;
  }
  printLine(ctx.output, `${configuration.type} ${configuration.name}: ${status}; healthy ${healthy}; sync mode ${configuration.syncMode}; automatic failover ${configuration.automaticFailover ? 'on' : 'off'}`);
  const { head, rows } = nodeColumns(configuration.nodes);
  printTable(ctx.output, head, rows);
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const number = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

/** Engine-specific columns, shown when some node carries the metadata key. */
const EXTRA_COLUMNS: readonly [key: string, head: string][] = [
  ['timeline', 'timeline'],
  ['slotName', 'slot'],
  ['priority', 'priority'],
  ['votes', 'votes'],
  ['optimeDate', 'optime'],
];

/**
 * The columns a DBA reads in `ha status`: node, role, state, sync state, lag (seconds and
 * bytes), replay paused, timeline, slot, endpoint and its kind, and why a node is unhealthy.
 * Columns no node fills are left out.
 *
 * ### Examples
 * ```ts
 * const { head, rows } = nodeColumns(configuration.nodes);
 * ```
 */
export function nodeColumns(nodes: readonly HANodeInfo[]): { head: string[]; rows: Cell[][] } {
  const columns: [string, (n: HANodeInfo) => Cell][] = [
    ['node', (n) => n.nodeName],
    ['role', (n) => n.role],
    ['state', (n) => stateCell(n.state)],
    ['healthy', (n) => stateCell(n.isHealthy)],
    ['sync state', (n) => text(n.metadata.syncState)],
    ['lag', (n) => secondsCell(n.lagSeconds)],
    ['lag bytes', (n) => bytesCell(number(n.metadata.lagBytes))],
    ['replay paused', (n) => (n.metadata.replayPaused === undefined ? '' : n.metadata.replayPaused ? { text: 'yes', tone: 'warn' } : 'no')],
    ...EXTRA_COLUMNS.map(([key, head]): [string, (n: HANodeInfo) => Cell] => [head, (n) => text(n.metadata[key] instanceof Date ? (n.metadata[key] as Date).toISOString() : n.metadata[key])]),
    ['endpoint', (n) => n.endpoint],
    ['kind', (n) => n.endpointKind ?? ''],
    ['reason', (n) => text(n.metadata.reason)],
  ];
  const used = columns.filter(([head, get], i) => i < 4 || head === 'endpoint' || nodes.some((n) => { const c = get(n); return typeof c === 'object' && c !== null ? c.text !== '' : c !== '' && c !== undefined; }));
  return { head: used.map(([h]) => h), rows: nodes.map((n) => used.map(([, get]) => get(n))) };
}

/**
 * `gds ha lag [db]`: lag in seconds per secondary.
 *
 * ### Examples
 * ```ts
 * await haLagCommand(ctx, 'app');
 * ```
 */
export async function haLagCommand(ctx: CliContext, db: string | undefined): Promise<void> {
  const { name, ha } = await haOf(ctx, db);
  const lag = await ha.monitorLag(ctx.readOptions());
  if (ctx.output.json) printJson(ctx.output, { ok: true, database: name, lag });
  else printTable(ctx.output, ['node', 'lag'], Object.entries(lag).map(([node, s]) => [node, secondsCell(s)]));
}

/**
 * `gds ha failover [db] --target <url|node> [--force]`; asks first.
 *
 * ### Examples
 * ```ts
 * await haFailoverCommand(ctx, undefined, { target: 'postgres://postgres@standby:5432/postgres' });
 * ```
 */
export async function haFailoverCommand(ctx: CliContext, db: string | undefined, options: { target?: string; force?: boolean }): Promise<void> {
  const { ha } = await haOf(ctx, db);
  if (options.target) {
    const pw = parseTargetUrl(options.target)?.password; // undefined for a node name
    if (pw) (await import('../redaction.js')).hideValue(pw);
  }
  await ctx.confirm(`fail over to ${options.target ?? 'the engine\'s choice'}${options.force ? ', allowing data loss' : ''}`);
  printResult(ctx, await ha.failover({ ...(options.target ? { target: options.target } : {}), ...(options.force ? { force: true } : {}), ...ctx.changeOptions() }));
}
