/**
 * Finding and running PostgreSQL's client programs (pg_dump, pg_restore, psql) safely:
 * - the binary is taken from an explicit folder, `GDS_PG_BIN_DIR`, the folder of the server's
 *   major version (`/usr/lib/postgresql/<major>/bin`), the newest such folder, or PATH;
 * - a pg_dump older than the server is refused before anything runs (it would fail or produce
 *   an incomplete dump);
 * - arguments go as an array (no shell); the password goes in the child's environment
 *   (`PGPASSWORD`), never in argv; the target database is passed as a quoted conninfo string so
 *   that a name such as `a=b` or `postgres://x` is not read as connection options;
 * - aborting the signal kills the child (SIGTERM, then SIGKILL after 3 s).
 *
 * @module
 */
import type * as ChildProcess from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';
import { ExternalToolError, redact } from '@gds/database';
import type { PostgreSQLConfig } from './postgres-config.js';
import { conninfoValue } from './postgres-quote.js';

/** A PostgreSQL client program that was found and asked for its version. */
export interface PgTool {
  /** `pg_dump`, `pg_restore` or `psql`. */
  name: string;
  /** Its absolute path. */
  path: string;
  /** Its version string, e.g. `15.18`. */
  version: string;
  /** Its major version, e.g. 15. */
  major: number;
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function versionedBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a))
      .map((d) => `/usr/lib/postgresql/${d}/bin`);
  } catch {
    return [];
  }
}

/**
 * The folders searched for `name`, in order of preference.
 *
 * ### Examples
 * ```ts
 * toolCandidates('pg_dump', { serverMajor: 16 }); // ['/usr/lib/postgresql/16/bin/pg_dump', ...]
 * ```
 */
export function toolCandidates(name: string, where: { binDir?: string; serverMajor?: number; env?: NodeJS.ProcessEnv } = {}): string[] {
  const env = where.env ?? process.env;
  const dirs: string[] = [];
  if (where.binDir) dirs.push(where.binDir);
  if (env.GDS_PG_BIN_DIR) dirs.push(env.GDS_PG_BIN_DIR);
  if (where.serverMajor) dirs.push(`/usr/lib/postgresql/${where.serverMajor}/bin`);
  dirs.push(...versionedBinDirs());
  dirs.push(...(env.PATH ?? '').split(delimiter).filter(Boolean));
  return [...new Set(dirs.map((d) => join(d, name)))];
}

const versions = new Map<string, Promise<{ version: string; major: number }>>();

/**
 * Reads `<tool> --version` ("pg_dump (PostgreSQL) 15.18 (Debian ...)"), once per binary (the
 * answer is kept while the file's modification time stays the same).
 */
export function toolVersion(path: string): Promise<{ version: string; major: number }> {
  let mtime = 0;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    // reported by the spawn below
  }
  const key = `${path}\u0000${mtime}`;
  let cached = versions.get(key);
  if (!cached) {
    cached = readToolVersion(path);
    versions.set(key, cached);
    cached.catch(() => versions.delete(key));
  }
  return cached;
}

/**
 * node:child_process, loaded on first use: it costs ~1.5 ms to load and only backups, restores
 * and tool checks need it (not `gds ls`).
 */
const childProcess = (): typeof ChildProcess => process.getBuiltinModule('node:child_process');

function readToolVersion(path: string): Promise<{ version: string; major: number }> {
  return new Promise((resolve, reject) => {
    childProcess().execFile(path, ['--version'], { timeout: 10_000 }, (error, stdout) => {
      if (error) return reject(error);
      const m = /(\d+)(?:\.(\d+))?/.exec(stdout.replace(/^[^)]*\)/, ''));
      if (!m?.[1]) return reject(new Error(`cannot read the version of ${path}: ${stdout.trim()}`));
      resolve({ version: m[2] ? `${m[1]}.${m[2]}` : m[1], major: Number(m[1]) });
    });
  });
}

/**
 * Finds `name` whose major version is at least `minMajor` (the server's, for pg_dump), or throws
 * ExternalToolError saying what was found and what to install.
 *
 * ### Examples
 * ```ts
 * const pgDump = await findTool('pg_dump', { serverMajor: 15, minMajor: 15 });
 * ```
 */
export async function findTool(name: string, where: { binDir?: string; serverMajor?: number; minMajor?: number; env?: NodeJS.ProcessEnv } = {}): Promise<PgTool> {
  const tooOld: string[] = [];
  for (const path of toolCandidates(name, where)) {
    if (!isExecutable(path)) continue;
    let v: { version: string; major: number };
    try {
      v = await toolVersion(path);
    } catch {
      continue;
    }
    if (where.minMajor !== undefined && v.major < where.minMajor) {
      tooOld.push(`${path} (${v.version})`);
      if (where.binDir && path === join(where.binDir, name)) break;
      continue;
    }
    return { name, path, ...v };
  }
  const wanted = where.minMajor ? ` ${where.minMajor} or newer` : '';
  const hint = `install the PostgreSQL client${wanted} (apt-get install postgresql-client${where.minMajor ? `-${where.minMajor}` : ''}) or pass binDir`;
  if (tooOld.length) {
    throw new ExternalToolError(`${name} is older than the server (PostgreSQL ${where.serverMajor}): found ${tooOld.join(', ')}; a dump by an older ${name} would be refused or incomplete`, {
      tool: name,
      engine: 'postgresql',
      hint,
    });
  }
  throw new ExternalToolError(`${name} was not found (looked in binDir, GDS_PG_BIN_DIR, /usr/lib/postgresql/*/bin and PATH)`, { tool: name, engine: 'postgresql', hint });
}

/**
 * The environment for a client program: the parent's, without inherited PG* variables that could
 * redirect it, plus the connection's password, TLS mode and application name.
 *
 * ### Examples
 * ```ts
 * toolEnv(conn.config).PGPASSWORD; // the password, only here
 * ```
 */
export function toolEnv(config: PostgreSQLConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  if (config.password && !config.password.isEmpty) env.PGPASSWORD = config.password.reveal();
  env.PGSSLMODE = config.ssl === 'verify-full' ? 'verify-full' : config.ssl;
  env.PGAPPNAME = `${config.applicationName}-tools`;
  env.PGCONNECT_TIMEOUT = String(Math.max(1, Math.ceil(config.connectTimeoutMs / 1000)));
  return env;
}

/**
 * The conninfo string for `database` on the connection's server (no password: it goes by env).
 *
 * ### Examples
 * ```ts
 * conninfo(conn.config, 'my db'); // "host='127.0.0.1' port='5432' user='postgres' dbname='my db'"
 * ```
 */
export function conninfo(config: PostgreSQLConfig, database: string): string {
  return `host=${conninfoValue(config.host)} port=${conninfoValue(String(config.port))} user=${conninfoValue(config.user)} dbname=${conninfoValue(database)}`;
}

/**
 * A command line for people and dry runs: arguments with spaces or quotes are single-quoted.
 *
 * ### Examples
 * ```ts
 * commandLine('/usr/bin/pg_dump', ['--file=/b/x y.dump']); // "/usr/bin/pg_dump '--file=/b/x y.dump'"
 * ```
 */
export function commandLine(path: string, args: readonly string[]): string {
  const shq = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
  return [path, ...args].map(shq).join(' ');
}

/** How to run a tool. */
export interface RunToolOptions {
  /** Environment (see {@link toolEnv}). */
  env: NodeJS.ProcessEnv;
  /** Kills the child when aborted. */
  signal?: AbortSignal;
  /** Each line the tool writes to stderr (its --verbose progress), redacted. */
  onStderrLine?: (line: string) => void;
  /** What to write to the tool's standard input (closed at the end); none by default. */
  stdin?: AsyncIterable<Buffer | string>;
  /** Called with the child's pid once it is started (progress sampling reads /proc/<pid>). */
  onStart?: (pid: number) => void;
}

async function feed(stdin: Writable, source: AsyncIterable<Buffer | string>): Promise<void> {
  try {
    for await (const chunk of source) {
      if (stdin.destroyed) break;
      if (!stdin.write(chunk)) await new Promise<void>((resolve) => stdin.once('drain', resolve).once('close', resolve));
    }
  } finally {
    stdin.end();
  }
}

/**
 * Runs a tool to completion; rejects with ExternalToolError (exit code and the end of stderr)
 * when it fails, and kills it when `signal` aborts.
 *
 * ### Examples
 * ```ts
 * const { stdout } = await runTool(pgRestore, ['--list', path], { env: toolEnv(conn.config) });
 * ```
 */
export function runTool(tool: PgTool, args: readonly string[], options: RunToolOptions): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason);
    const child = childProcess().spawn(tool.path, args, { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => undefined); // EPIPE when the tool stops early: its exit code says why
    if (child.pid !== undefined && options.onStart) {
      try {
        options.onStart(child.pid);
      } catch {
        // a progress hook must not break the tool run
      }
    }
    if (!options.stdin) child.stdin.end();
    else {
      feed(child.stdin, options.stdin).catch(() => child.kill('SIGTERM'));
    }
    const stdout: Buffer[] = [];
    let stderrTail = '';
    let partial = '';
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      killTimer.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.setEncoding('utf8'); // decodes a character split across two chunks whole
    child.stderr.on('data', (chunk: string) => {
      const text = partial + chunk;
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        stderrTail = (stderrTail + line + '\n').slice(-4_000);
        if (line.trim()) options.onStderrLine?.(redact(line));
      }
    });
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new ExternalToolError(`${tool.name} could not be started: ${error.message}`, { tool: tool.name, engine: 'postgresql', cause: error }));
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (partial) {
        stderrTail = (stderrTail + partial).slice(-4_000);
        if (partial.trim()) options.onStderrLine?.(redact(partial));
      }
      if (options.signal?.aborted) return reject(options.signal.reason);
      if (code === 0) return resolve({ stdout: Buffer.concat(stdout).toString('utf8') });
      const last = stderrTail.trim().split('\n').slice(-3).join(' | ');
      reject(
        new ExternalToolError(`${tool.name} failed (${code === null ? `signal ${signal}` : `exit code ${code}`}): ${last}`, {
          tool: tool.name,
          engine: 'postgresql',
          exitCode: code ?? undefined,
          stderr: stderrTail,
        }),
      );
    });
  });
}
