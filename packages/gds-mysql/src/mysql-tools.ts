/**
 * Finding and running the MySQL/MariaDB client programs (mariadb-dump / mysqldump, mariadb /
 * mysql) safely:
 * - the binary comes from an explicit folder, `GDS_MYSQL_BIN_DIR`, or PATH; MariaDB's names are
 *   tried first against a MariaDB server, MySQL's first against MySQL;
 * - arguments go as an array (no shell); the connection (user, password, host, port, socket, TLS)
 *   goes in a temporary option file given as `--defaults-file` (the first argument: no other
 *   option file is read, so a `~/.my.cnf` cannot redirect the tool), mode 0600 in a 0700 folder,
 *   removed when the tool ends, when the run is cancelled, and at process exit; a folder left by
 *   a process killed with SIGKILL is removed by the next run (its owner pid is in its name);
 * - aborting the signal kills the child (SIGTERM, then SIGKILL after 3 s).
 *
 * @module
 */
import type * as ChildProcess from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ExternalToolError, ValidationError, redact } from '@gds/database';
import { processAlive } from '@gds/database/engine';
import type { MySQLConfig } from './mysql-config.js';

/** A client program that was found and asked for its version. */
export interface MySQLTool {
  /** `mariadb-dump`, `mysqldump`, `mariadb` or `mysql`. */
  name: string;
  /** Its absolute path. */
  path: string;
  /** Its version line, e.g. `mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu`. */
  versionLine: string;
  /** The server release it comes with, e.g. `10.11.19` (MySQL 8: `8.0.36`). */
  release: string;
  /** Which family it belongs to. */
  flavor: 'mariadb' | 'mysql';
}

/** What to find: the dump tool or the command-line client. */
export type ToolKind = 'dump' | 'client';

const NAMES: Record<ToolKind, Record<'mariadb' | 'mysql', string[]>> = {
  dump: { mariadb: ['mariadb-dump', 'mysqldump'], mysql: ['mysqldump', 'mariadb-dump'] },
  client: { mariadb: ['mariadb', 'mysql'], mysql: ['mysql', 'mariadb'] },
};

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** node:child_process, loaded on first use (only backups, restores and tool checks need it). */
const childProcess = (): typeof ChildProcess => process.getBuiltinModule('node:child_process');

/**
 * Reads a tool's `--version` line: `<name>  Ver 10.19 Distrib 10.11.19-MariaDB, ...` (MariaDB,
 * MySQL 5.7) or `<name>  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)` (MySQL 8).
 *
 * ### Examples
 * ```ts
 * parseToolVersion('mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)'); // { release: '10.11.19', flavor: 'mariadb' }
 * ```
 */
export function parseToolVersion(line: string): { release: string; flavor: 'mariadb' | 'mysql' } {
  const distrib = /Distrib (\d+\.\d+\.\d+)/.exec(line);
  const ver = /Ver (\d+\.\d+\.\d+)/.exec(line);
  const release = distrib?.[1] ?? ver?.[1] ?? '0.0.0';
  return { release, flavor: /MariaDB/i.test(line) ? 'mariadb' : 'mysql' };
}

const versions = new Map<string, Promise<string>>();

function versionLine(path: string): Promise<string> {
  let cached = versions.get(path);
  if (!cached) {
    cached = new Promise<string>((resolve, reject) => {
      childProcess().execFile(path, ['--version'], { timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
    });
    versions.set(path, cached);
    cached.catch(() => versions.delete(path));
  }
  return cached;
}

/**
 * Finds the dump tool or the client for a server of `flavor`, or throws ExternalToolError saying
 * where it looked and what to install.
 *
 * ### Examples
 * ```ts
 * const dump = await findTool('dump', { flavor: 'mariadb' }); // /usr/bin/mariadb-dump
 * ```
 */
export async function findTool(kind: ToolKind, where: { flavor: 'mariadb' | 'mysql'; binDir?: string; env?: NodeJS.ProcessEnv }): Promise<MySQLTool> {
  const env = where.env ?? process.env;
  const dirs = [where.binDir, env.GDS_MYSQL_BIN_DIR, ...(env.PATH ?? '').split(delimiter)].filter((d): d is string => Boolean(d));
  const names = NAMES[kind][where.flavor];
  // an explicit folder is the only place looked in
  const searched = where.binDir ? [where.binDir] : [...new Set(dirs)];
  for (const name of names) {
    for (const dir of searched) {
      const path = join(dir, name);
      if (!isExecutable(path)) continue;
      const line = await versionLine(path).catch(() => undefined);
      if (line === undefined) continue;
      return { name, path, versionLine: line, ...parseToolVersion(line) };
    }
  }
  throw new ExternalToolError(`${names.join(' / ')} was not found (looked in ${where.binDir ? where.binDir : 'GDS_MYSQL_BIN_DIR and PATH'})`, {
    tool: names[0] ?? kind,
    engine: 'mysql',
    hint: 'install the client programs (apt-get install mariadb-client, or mysql-client for MySQL) or pass binDir',
  });
}

const helps = new Map<string, Promise<string>>();

/**
 * Whether the client knows `--sandbox` (MariaDB 10.5.25, 10.6.18, 10.11.8, 11.0.6 and later: it
 * refuses every command that reaches the file system or a shell), read from its `--help` once.
 *
 * ### Examples
 * ```ts
 * if (await clientHasSandbox(client)) args.push('--sandbox');
 * ```
 */
export async function clientHasSandbox(tool: MySQLTool): Promise<boolean> {
  let help = helps.get(tool.path);
  if (!help) {
    help = new Promise<string>((resolve) => {
      childProcess().execFile(tool.path, ['--no-defaults', '--help'], { timeout: 10_000, maxBuffer: 4 << 20 }, (_error, stdout) => resolve(String(stdout)));
    });
    helps.set(tool.path, help);
  }
  return /^\s*--sandbox\b/m.test(await help);
}

/** An option file holding the connection, and how to remove it. */
export interface DefaultsFile {
  /** `--defaults-file=<path>`: must be the tool's first argument. */
  readonly argument: string;
  /** The file. */
  readonly path: string;
  /** Removes the file and its folder (idempotent). */
  remove(): void;
}

const live = new Set<string>();
let exitHookInstalled = false;
const FOLDER_PREFIX = 'gds-mysql-';

function removeFolder(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // already gone, or not ours to remove
  }
  live.delete(dir);
}

/** Removes option-file folders whose owner process is gone (a run killed with SIGKILL). */
function sweepStale(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^gds-mysql-(\d+)-/.exec(name);
    const pid = Number(m?.[1]);
    if (!m || pid === process.pid || processAlive(pid)) continue;
    removeFolder(join(root, name));
  }
}

/** An option-file value: double-quoted, with `\` and `"` escaped (my_load_defaults reads them back). */
function optionValue(value: string, field: string): string {
  if (/[\r\n]/.test(value) || value.includes('\u0000')) throw new ValidationError('Invalid connection for the client tools', [{ path: `/${field}`, message: 'must not contain a line break or NUL (it cannot be written to an option file)' }], { engine: 'mysql' });
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * Writes the connection's option file (`[client]` group: user, password, host/port or socket,
 * TLS in the words of the tool's `flavor`) with mode 0600 in a fresh 0700 folder; the password is never in argv or the environment.
 *
 * ### Examples
 * ```ts
 * const defaults = writeDefaultsFile(conn.config, dump.flavor);
 * try { await runTool(dump, [defaults.argument, '--', 'app'], {}); } finally { defaults.remove(); }
 * ```
 */
export function writeDefaultsFile(config: MySQLConfig, flavor: 'mariadb' | 'mysql', root: string = tmpdir()): DefaultsFile {
  sweepStale(root);
  const dir = mkdtempSync(join(root, `${FOLDER_PREFIX}${process.pid}-`));
  live.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const d of [...live]) removeFolder(d);
    });
  }
  const lines = ['[client]', `user=${optionValue(config.user, 'user')}`];
  if (config.password && !config.password.isEmpty) lines.push(`password=${optionValue(config.password.reveal(), 'password')}`);
  if (config.socketPath) lines.push(`socket=${optionValue(config.socketPath, 'socketPath')}`, 'protocol=SOCKET');
  else lines.push(`host=${optionValue(config.host, 'host')}`, `port=${config.port}`, 'protocol=TCP');
  // connect-timeout is an option of the mysql client only (mariadb-dump refuses it in [client])
  lines.push('[mysql]', `connect-timeout=${Math.max(1, Math.ceil(config.connectTimeoutMs / 1000))}`, '[client]');
  // TLS in the words of the tool's family: MariaDB's ssl / skip-ssl / ssl-verify-server-cert (on by default in 11.4+
  // clients), MySQL 8's ssl-mode (its --ssl is gone)
  if (flavor === 'mysql') lines.push(`ssl-mode=${config.ssl === 'disable' ? 'DISABLED' : config.ssl === 'require' ? 'REQUIRED' : 'VERIFY_IDENTITY'}`);
  else if (config.ssl === 'disable') lines.push('skip-ssl');
  else lines.push('ssl', config.ssl === 'require' ? 'skip-ssl-verify-server-cert' : 'ssl-verify-server-cert');
  const path = join(dir, 'client.cnf');
  writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600, flag: 'wx' });
  return { argument: `--defaults-file=${path}`, path, remove: () => removeFolder(dir) };
}

/**
 * A command line for people and dry runs: arguments with spaces or quotes are single-quoted.
 *
 * ### Examples
 * ```ts
 * commandLine('/usr/bin/mariadb-dump', ['--result-file=/b/x y.sql']); // "/usr/bin/mariadb-dump '--result-file=/b/x y.sql'"
 * ```
 */
export function commandLine(path: string, args: readonly string[]): string {
  const shq = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
  return [path, ...args].map(shq).join(' ');
}

/** How to run a tool. */
export interface RunToolOptions {
  /** Kills the child when aborted. */
  signal?: AbortSignal;
  /** Each line the tool writes to stderr, redacted. */
  onStderrLine?: (line: string) => void;
  /** Fed to the tool's standard input (then closed; if it throws, the tool is killed first, its input never closed); none by default. */
  stdin?: AsyncIterable<Buffer>;
  /** Receives the tool's standard output (else it is discarded). */
  stdout?: (stream: Readable) => Promise<void>;
  /** Called with the child's pid once it started. */
  onStart?: (pid: number) => void;
}

/** Writes `source` to `stdin`; does not end it (a failed feed must not look like the end of the input). */
async function feed(stdin: Writable, source: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of source) {
    if (stdin.destroyed) break;
    if (!stdin.write(chunk)) await new Promise<void>((resolve) => stdin.once('drain', resolve).once('close', resolve));
  }
}

/**
 * Runs a tool to completion; rejects with ExternalToolError (exit code and the end of stderr)
 * when it fails, and kills it when `signal` aborts (the promise settles only once the child is
 * gone). An error from the stdin feed or the stdout consumer kills the tool and rejects with it.
 *
 * ### Examples
 * ```ts
 * await runTool(dump, [defaults.argument, '--result-file=/b/app.sql', '--', 'app'], { signal });
 * ```
 */
export function runTool(tool: MySQLTool, args: readonly string[], options: RunToolOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason);
    const child = childProcess().spawn(tool.path, args, { stdio: [options.stdin ? 'pipe' : 'ignore', options.stdout ? 'pipe' : 'ignore', 'pipe'] });
    let failure: unknown;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), 3_000);
      killTimer.unref();
    };
    const fail = (error: unknown) => {
      failure ??= error;
      kill();
    };
    if (child.pid !== undefined && options.onStart) {
      try {
        options.onStart(child.pid);
      } catch {
        // a progress hook must not break the tool run
      }
    }
    if (options.stdin && child.stdin) {
      const stdin = child.stdin;
      stdin.on('error', () => undefined); // EPIPE when the tool stops early: its exit code says why
      feed(stdin, options.stdin).then(
        () => stdin.end(),
        (error: unknown) => {
          // killed before its input ends: at the end of its input the mysql client would still run what it holds
          failure ??= error;
          child.kill('SIGKILL');
        },
      );
    }
    const consumed = options.stdout && child.stdout ? options.stdout(child.stdout).catch(fail) : Promise.resolve();
    let stderrTail = '';
    let partial = '';
    options.signal?.addEventListener('abort', kill, { once: true });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        stderrTail = (stderrTail + line + '\n').slice(-4_000);
        if (line.trim()) options.onStderrLine?.(redact(line));
      }
    });
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', kill);
      reject(new ExternalToolError(`${tool.name} could not be started: ${error.message}`, { tool: tool.name, engine: 'mysql', cause: error }));
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', kill);
      if (killTimer) clearTimeout(killTimer);
      if (partial) stderrTail = (stderrTail + partial).slice(-4_000);
      void consumed.then(() => {
        if (options.signal?.aborted) return reject(options.signal.reason);
        if (failure !== undefined) return reject(failure);
        if (code === 0) return resolve();
        const last = redact(stderrTail.trim().split('\n').slice(-3).join(' | '));
        reject(new ExternalToolError(`${tool.name} failed (${code === null ? `signal ${signal}` : `exit code ${code}`}): ${last}`, { tool: tool.name, engine: 'mysql', exitCode: code ?? undefined, stderr: redact(stderrTail) }));
      });
    });
  });
}
