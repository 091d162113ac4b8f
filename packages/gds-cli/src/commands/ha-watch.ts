/**
 * `gds ha watch [db] [--interval s]`: a live view of an HA configuration. On a terminal it takes
 * the alternate screen, hides the cursor and redraws every interval: the topology as a tree
 * (primaries, their standbys, cascades under the node they stream from), each node's state in
 * colour, its lag, and a sparkline of its lag in bytes over the last minutes. Ctrl-C, SIGTERM
 * and the other terminating signals end it: the terminal is given back (main screen, cursor)
 * before anything else is printed, and the exit code is 128+n. Piped, each refresh is printed
 * as plain text one after the other.
 *
 * @module
 */
import type { HAConfiguration, HANodeInfo } from '@gds/database';
import type { CliContext } from '../context.js';
import { formatBytes, formatDuration, paint, stateTone } from '../output.js';
import { redactText } from '../redaction.js';
import { signalExitCode } from '../signals.js';
import { ReportedError, UsageError } from '../usage-error.js';
import { haOf } from './ha.js';

/** Escape sequences: alternate screen on/off, cursor hidden/shown, home + clear. */
export const TERMINAL = Object.freeze({ enter: '\x1b[?1049h\x1b[?25l', leave: '\x1b[?25h\x1b[?1049l', home: '\x1b[H\x1b[2J' });

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A sparkline of `values` (one character each, scaled to their maximum; zero is the lowest bar).
 *
 * ### Examples
 * ```ts
 * sparkline([0, 5, 10]); // '▁▄█'
 * ```
 */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (max <= 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))])).join('');
}

/**
 * Parses `--interval` (seconds, at least 0.2).
 *
 * ### Examples
 * ```ts
 * parseInterval('2'); // 2000
 * ```
 */
export function parseInterval(raw: string | undefined): number {
  if (raw === undefined) return 2000;
  const s = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(s) || s < 0.2 || s > 3600) throw new UsageError(`--interval takes seconds between 0.2 and 3600, got '${raw}'`);
  return Math.round(s * 1000);
}

/** Lag in bytes of a node, if known. */
const lagBytesOf = (n: HANodeInfo): number | undefined => {
  const v = n.metadata.lagBytes;
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
};

/** Who a node streams from: `metadata.upstreamNode` where the engine gives it, else the primary. */
function parentOf(node: HANodeInfo, nodes: readonly HANodeInfo[]): HANodeInfo | undefined {
  const up = node.metadata.upstreamNode;
  if (typeof up === 'string') {
    const found = nodes.find((n) => n.nodeName === up && n !== node);
    if (found) return found;
  }
  return node.role === 'primary' ? undefined : nodes.find((n) => n.role === 'primary');
}

/**
 * One frame of the view, as lines (coloured when `color`).
 *
 * ### Examples
 * ```ts
 * renderFrame(configuration, history, { color: false, intervalMs: 2000, now: new Date() });
 * ```
 */
export function renderFrame(
  configuration: HAConfiguration,
  history: ReadonlyMap<string, readonly number[]>,
  options: { color: boolean; intervalMs: number; now: Date; width?: number },
): string[] {
  const nodes = configuration.nodes;
  const lines = [
    `gds ha watch: ${configuration.type} ${configuration.name}, every ${formatDuration(options.intervalMs)}, ${options.now.toISOString().slice(11, 19)} UTC (Ctrl-C to quit)`,
    `sync mode ${configuration.syncMode}; automatic failover ${configuration.automaticFailover ? 'on' : 'off'}; ${nodes.filter((n) => n.isHealthy).length}/${nodes.length} nodes healthy`,
    '',
  ];
  const children = new Map<HANodeInfo | undefined, HANodeInfo[]>();
  for (const n of nodes) {
    const p = parentOf(n, nodes);
    children.set(p, [...(children.get(p) ?? []), n]);
  }
  const nameWidth = Math.min(40, Math.max(...nodes.map((n) => n.nodeName.length), 4));
  const row = (n: HANodeInfo, prefix: string) => {
    const lag = lagBytesOf(n);
    const hist = history.get(n.nodeName) ?? [];
    const state = paint(n.state.padEnd(16), stateTone(n.isHealthy ? n.state : n.state === 'healthy' ? 'unhealthy' : n.state), options.color);
    const dot = paint('●', stateTone(n.isHealthy), options.color);
    const lagText = n.role === 'primary' ? '' : `lag ${lag === undefined ? '?' : formatBytes(lag)}${n.lagSeconds === undefined ? '' : ` ${formatDuration(n.lagSeconds * 1000)}`}`;
    const reason = typeof n.metadata.reason === 'string' ? `  (${n.metadata.reason})` : '';
    return `${prefix}${dot} ${n.nodeName.padEnd(nameWidth)}  ${n.role.padEnd(9)} ${state} ${lagText.padEnd(22)} ${n.role === 'primary' ? '' : sparkline(hist)}${reason}`;
  };
  const walk = (node: HANodeInfo, indent: string, last: boolean, top: boolean, seen: Set<HANodeInfo>) => {
    if (seen.has(node)) return;
    seen.add(node);
    lines.push(row(node, top ? '' : `${indent}${last ? '└─ ' : '├─ '}`));
    const kids = children.get(node) ?? [];
    kids.forEach((k, i) => walk(k, top ? '' : `${indent}${last ? '   ' : '│  '}`, i === kids.length - 1, false, seen));
  };
  const seen = new Set<HANodeInfo>();
  for (const root of children.get(undefined) ?? []) walk(root, '', true, true, seen);
  for (const n of nodes) if (!seen.has(n)) walk(n, '', true, true, seen);
  lines.push('', `lag sparkline: bytes behind, one mark per refresh, the last ${formatDuration(options.intervalMs * HISTORY)}`);
  return lines.map((l) => redactText(l.trimEnd()));
}

/** How many refreshes a sparkline keeps. */
export const HISTORY = 60;

/**
 * `gds ha watch [db] [--interval s]`.
 *
 * ### Examples
 * ```ts
 * await haWatchCommand(ctx, undefined, { interval: '2' });
 * ```
 */
export async function haWatchCommand(ctx: CliContext, db: string | undefined, options: { interval?: string }): Promise<void> {
  const intervalMs = parseInterval(options.interval);
  const { ha } = await haOf(ctx, db);
  const out = ctx.output.out as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  const tty = Boolean(out.isTTY) && !ctx.output.json;
  const color = Boolean(ctx.output.color);
  let screen = false;
  const restore = () => {
    if (screen) out.write(TERMINAL.leave);
    screen = false;
  };
  const stopHook = ctx.onInterrupt(restore);
  const history = new Map<string, number[]>();
  try {
    if (tty) {
      out.write(TERMINAL.enter);
      screen = true;
    }
    while (!ctx.signal.aborted) {
      let configuration: HAConfiguration | undefined;
      try {
        configuration = await ha.getConfiguration(ctx.readOptions());
      } catch (error) {
        if (ctx.signal.aborted) break;
        throw error;
      }
      if (!configuration) throw new UsageError('no HA configuration to watch (this server has no replication)');
      for (const n of configuration.nodes) {
        const h = history.get(n.nodeName) ?? [];
        h.push(lagBytesOf(n) ?? 0);
        if (h.length > HISTORY) h.shift();
        history.set(n.nodeName, h);
      }
      const frame = renderFrame(configuration, history, { color, intervalMs, now: new Date() });
      if (ctx.output.json) out.write(`${JSON.stringify({ at: new Date().toISOString(), nodes: configuration.nodes.map((n) => ({ node: n.nodeName, role: n.role, state: n.state, healthy: n.isHealthy, lagSeconds: n.lagSeconds ?? null, lagBytes: lagBytesOf(n) ?? null })) })}\n`);
      else out.write(tty ? `${TERMINAL.home}${frame.join('\n')}\n` : `${frame.join('\n')}\n\n`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, intervalMs);
        function done() {
          clearTimeout(timer);
          ctx.signal.removeEventListener('abort', done);
          resolve();
        }
        ctx.signal.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    restore();
    stopHook();
  }
  // ended by a signal: the view is the outcome, nothing failed; exit 128+n
  if (ctx.interruptedBy) throw new ReportedError('watch ended', signalExitCode(ctx.interruptedBy));
}
