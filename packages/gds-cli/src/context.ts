/**
 * The run-time context of one command: the target URL (`--url` or `GDS_URL`), the output mode,
 * signal handling (Ctrl-C, SIGTERM, SIGHUP and the other terminating signals: the first cancels
 * the running operation through its AbortSignal, so child processes end and no partial backup
 * stays; a second one exits at once), the one dry-run switch and the one confirmation every
 * spelling of a guarded option goes through (see guard.ts), lazy loading of the core and of the
 * one engine the URL needs, and the mapping of errors to exit codes: 0 success, 1 the operation
 * failed (typed error's message and hint), 2 usage error, 128+n ended by signal n (130 Ctrl-C,
 * 143 SIGTERM, 129 SIGHUP).
 *
 * @module
 */
import type * as Core from '@gds/database';
import { confirmDestructive, terminalIO, type ConfirmIO, type ConfirmSpec } from './confirm.js';
import { loadEngineFor, type LoadedEngine } from './engine-loader.js';
import { splitGuarded, type GuardedOptions } from './guard.js';
import { onTerminatingSignals, signalExitCode } from './signals.js';
import { parseOptionPairs } from './commands/parse-options.js';
import { printJson, processOutput, type Output } from './output.js';
import { hideValue, redactText, useCoreRedaction } from './redaction.js';
import { ReportedError, UsageError } from './usage-error.js';
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { askPassword, readPasswordFrom, urlWithPassword } from './password.js';
import { parseTargetUrl, withUrlParameter } from './target-url.js';

/**
 * Each engine's URL parameters that bound connecting, for what is left of `--timeout` (what the
 * user wrote in the URL wins). Snowflake's driver has none that bounds the login: the race in
 * connectOnce does.
 */
const CONNECT_TIMEOUT_PARAMETERS: Readonly<Record<string, (ms: number) => [string, string][]>> = Object.freeze({
  postgresql: (ms) => [['connect_timeout', String(ms / 1000)]],
  mssql: (ms) => [['connectTimeout', String(ms)]],
  mongodb: (ms) => [
    ['connectTimeoutMS', String(ms)],
    ['serverSelectionTimeoutMS', String(ms)],
  ],
});

/** The engine's own ways to give a password without argv, for the hint of a missing one. */
const PASSWORD_WAYS: Readonly<Record<string, string>> = Object.freeze({
  postgresql: 'PGPASSWORD, ~/.pgpass or PGPASSFILE, or PGSERVICE with a service file',
  mssql: 'SQLCMDPASSWORD, as sqlcmd reads it',
});

/**
 * Where the engine itself found a password, when the URL and gds gave none (libpq's PGPASSWORD,
 * a service, a password file; sqlcmd's SQLCMDPASSWORD), so that a refused one is told apart
 * from a missing one.
 */
function enginePasswordSource(engine: string, env: NodeJS.ProcessEnv): string | undefined {
  if (engine === 'postgresql') {
    if (env.PGPASSWORD) return 'PGPASSWORD';
    if (env.PGSERVICE) return `service ${env.PGSERVICE} or the password file`;
    const file = env.PGPASSFILE ?? join(env.HOME ?? homedir(), '.pgpass');
    try {
      const stat = statSync(file);
      // libpq ignores a password file that the group or others can read
      if (stat.isFile() && (stat.mode & 0o077) === 0) return `the password file ${file} (or it has no line for this connection)`;
    } catch {
      // no password file
    }
  }
  if (engine === 'mssql' && env.SQLCMDPASSWORD) return 'SQLCMDPASSWORD';
  return undefined;
}

/** The error with `hint` replacing its hint (the error object is kept: code, cause, class). */
function withHint<E>(error: E, hint: string): E {
  if (typeof error === 'object' && error !== null) {
    try {
      Object.defineProperty(error, 'hint', { value: hint, configurable: true, enumerable: true, writable: true });
    } catch {
      // a frozen error keeps its own hint
    }
  }
  return error;
}
import { inCliWords } from './cli-hints.js';
import { standbyHint } from './standby-hint.js';
import { checkUrlShape, urlDatabase } from './url-shape.js';

/** The options every command accepts. */
export interface GlobalFlags {
  /** Target URL; defaults to GDS_URL. */
  url?: string;
  /** One JSON document on stdout. */
  json?: boolean;
  /** Print what would run; change nothing. */
  dryRun?: boolean;
  /** Do not ask before destructive commands. */
  yes?: boolean;
  /** Time limit of the whole command (connecting included), in milliseconds. */
  timeout?: string;
  /** Read the password from stdin (one line) instead of the URL. */
  passwordStdin?: boolean;
  /** Output format: table | json | tsv | csv (default: table on a terminal, tsv when piped). */
  format?: string;
}

/** Exit codes of the CLI (a signal n gives 128+n; INTERRUPTED is Ctrl-C's). */
export const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 });

/** The largest `--timeout` a timer honours (2^31-1 ms, about 24.8 days); Node would turn a larger one into 1 ms. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * What a command gets to work with.
 *
 * ### Examples
 * ```ts
 * await runCommand(flags, async (ctx) => {
 *   const manager = await ctx.manager();
 *   printJson(ctx.output, await manager.getServerMetadata());
 * });
 * ```
 */
export class CliContext {
  /** The flags. */
  readonly flags: GlobalFlags;
  /** Where to print. */
  readonly output: Output;
  /** Aborted by Ctrl-C. */
  readonly signal: AbortSignal;
  /** Where to ask for confirmation. */
  readonly io: ConfirmIO;
  readonly #abort: AbortController;
  #optDryRun = false;
  #signalName: NodeJS.Signals | undefined;
  readonly #onInterrupt = new Set<() => void>();
  /** What a cancelled or failed command left behind (printed with its error). */
  readonly leftBehind: string[] = [];
  #core: typeof Core | undefined;
  #manager: Core.DatabaseManager | undefined;
  #engine: LoadedEngine | undefined;
  /** From --password-stdin or the prompt; never in argv. */
  #password: string | undefined;
  /** When the command started: `--timeout` bounds the whole command from here. */
  readonly #startedAt = Date.now();

  /** Makes the context; nothing is loaded yet. */
  constructor(flags: GlobalFlags, abort: AbortController, io: ConfirmIO = terminalIO(), output: Output = processOutput(Boolean(flags.json) || flags.format === 'json', flags.format)) {
    this.flags = flags;
    this.output = output;
    this.#abort = abort;
    this.signal = abort.signal;
    this.io = io;
    const url = this.urlOrUndefined();
    // seed lists (mongodb://h1,h2/) are not WHATWG URLs: a scheme-aware split finds the password
    const password = url ? parseTargetUrl(url)?.password : undefined;
    if (password) hideValue(password);
  }

  /** The target URL, or undefined. */
  urlOrUndefined(): string | undefined {
    return this.flags.url ?? process.env.GDS_URL ?? undefined;
  }

  /** The target URL, or a UsageError. */
  url(): string {
    const url = this.urlOrUndefined();
    if (!url) throw new UsageError('no target: pass --url <url> or set GDS_URL (e.g. postgres://user@host:5432/postgres)');
    return url;
  }

  /** The core package, loaded on first use. */
  async core(): Promise<typeof Core> {
    if (!this.#core) {
      this.#core = await import('@gds/database');
      useCoreRedaction(this.#core.redact);
    }
    return this.#core;
  }

  /** The engine package of the URL, loaded on first use. */
  async engine(): Promise<LoadedEngine> {
    if (!this.#engine) {
      const url = this.url();
      await this.core();
      this.#engine = await loadEngineFor(url);
    }
    return this.#engine;
  }

  /** A manager connected to the URL (engine loaded first). */
  async manager(): Promise<Core.DatabaseManager> {
    if (!this.#manager) {
      await this.engine();
      const core = await this.core();
      if (this.flags.passwordStdin && this.#password === undefined) {
        if (process.stdin.isTTY) throw new UsageError('--password-stdin reads the password from a pipe or file: printf %s "$PW" | gds --password-stdin ...');
        this.#password = await readPasswordFrom(process.stdin);
        if (this.#password) hideValue(this.#password);
      }
      try {
        this.#manager = await this.connectOnce(core);
      } catch (error) {
        if (!core.AuthenticationError.isInstance(error)) throw error;
        const target = parseTargetUrl(this.url());
        const source = this.#password !== undefined ? '--password-stdin' : target?.password ? 'the URL' : enginePasswordSource(this.#engine?.engine ?? '', process.env);
        if (source) throw withHint(error, `the server refused the password from ${source}: check it (gds asks only when no password was given)`);
        if (!this.io.interactive) {
          throw withHint(error, `the server asks for a password and none was given: pipe it to --password-stdin, or use the engine's own way (${PASSWORD_WAYS[this.#engine?.engine ?? ''] ?? 'a password in GDS_URL'})`);
        }
        this.#password = await askPassword(`Password for ${target?.user ?? 'the user'}@${target?.hosts.join(',') ?? 'server'}: `, process.stdin, this.output.err as NodeJS.WritableStream, this.signal);
        if (this.#password) hideValue(this.#password);
        try {
          this.#manager = await this.connectOnce(core);
        } catch (again) {
          throw core.AuthenticationError.isInstance(again) ? withHint(again, 'the server refused the password typed at the prompt: check it') : again;
        }
      }
    }
    return this.#manager;
  }

  /** Connects once, bounded by what is left of `--timeout` and by a signal; a connect that loses the race is closed when it settles. */
  private async connectOnce(core: typeof Core): Promise<Core.DatabaseManager> {
    let url = this.#password !== undefined ? urlWithPassword(this.url(), this.#password) : this.url();
    const left = this.timeLeft();
    if (left !== undefined) {
      const param = CONNECT_TIMEOUT_PARAMETERS[this.#engine?.engine ?? ''];
      if (param) for (const [key, value] of param(left)) url = withUrlParameter(url, key, value);
    }
    const connecting = core.DatabaseManager.connect(url);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const lost = new Promise<never>((_, reject) => {
      if (left !== undefined) {
        timer = setTimeout(
          () => reject(new core.OperationTimeoutError(`connect did not finish within the ${this.flags.timeout} ms of --timeout`, { operation: 'connect', hint: 'the server did not answer in time: check the address and firewalls, or raise --timeout' })),
          left,
        );
      }
      onAbort = () => reject(new core.OperationCancelledError('connect was cancelled', { operation: 'connect' }));
      if (this.signal.aborted) onAbort();
      else this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([connecting, lost]);
    } catch (error) {
      connecting.then((m) => m.close()).catch(() => undefined);
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
      if (onAbort) this.signal.removeEventListener('abort', onAbort);
    }
  }

  /** What is left of `--timeout` (at least 1 ms), or undefined without one. */
  private timeLeft(): number | undefined {
    const limit = this.timeout().timeoutMs;
    return limit === undefined ? undefined : Math.max(1, limit - (Date.now() - this.#startedAt));
  }

  /** Whether this is a dry run: `--dry-run`, or `--opt dry-run=true` taken by {@link takeOptions}. */
  get dryRun(): boolean {
    return Boolean(this.flags.dryRun) || this.#optDryRun;
  }

  /**
   * Parses a command's `--opt` pairs (plus `extra`, e.g. `{ replace: true }` from `--replace`):
   * the dry-run key joins the global dry run, and the guarded keys that are set are named so that
   * the command confirms them the same way whichever way they were spelt.
   */
  takeOptions(pairs: readonly string[] | undefined, extra: Record<string, unknown> = {}): GuardedOptions {
    const split = splitGuarded({ ...parseOptionPairs(pairs), ...extra });
    if (split.dryRun) this.#optDryRun = true;
    return split;
  }

  /** The options common to changes: dryRun, signal, timeoutMs. */
  changeOptions(): { dryRun: boolean; signal: AbortSignal; timeoutMs?: number } {
    const left = this.timeLeft();
    return { dryRun: this.dryRun, signal: this.signal, ...(left === undefined ? {} : { timeoutMs: left }) };
  }

  /** The options common to reads: signal, timeoutMs. */
  readOptions(): { signal: AbortSignal; timeoutMs?: number } {
    const left = this.timeLeft();
    return { signal: this.signal, ...(left === undefined ? {} : { timeoutMs: left }) };
  }

  /** `--timeout` as a number; {@link changeOptions} and {@link readOptions} give what is left of it. */
  private timeout(): { timeoutMs?: number } {
    if (this.flags.timeout === undefined) return {};
    const ms = Number(this.flags.timeout);
    if (!/^\d+$/.test(this.flags.timeout.trim()) || !Number.isInteger(ms) || ms <= 0) {
      throw new UsageError(`--timeout takes a whole number of milliseconds, got '${this.flags.timeout}'`);
    }
    if (ms > MAX_TIMEOUT_MS) throw new UsageError(`--timeout ${this.flags.timeout} is too large: at most ${MAX_TIMEOUT_MS} ms (about 24.8 days), a timer's limit`);
    return { timeoutMs: ms };
  }

  /**
   * Asks before a destructive action (see confirmDestructive); never in a dry run, however the
   * dry run was asked for. An irreversible one gives `spec.typeToConfirm`.
   */
  confirm(action: string, spec?: ConfirmSpec): Promise<void> {
    return confirmDestructive(action, { yes: this.flags.yes, dryRun: this.dryRun }, this.io, spec, this.signal);
  }

  /** Whether {@link confirm} would ask a question (not a dry run, no --yes, on a terminal). */
  get willAsk(): boolean {
    return !this.dryRun && !this.flags.yes && this.io.interactive;
  }

  /** Whether a signal (Ctrl-C, SIGTERM, SIGHUP...) cancelled the command. */
  get interrupted(): boolean {
    return this.#abort.signal.aborted;
  }

  /** The signal that cancelled the command, if any. */
  get interruptedBy(): NodeJS.Signals | undefined {
    return this.#signalName;
  }

  /** Runs `hook` when a signal arrives (a progress bar stops drawing); returns its remover. */
  onInterrupt(hook: () => void): () => void {
    this.#onInterrupt.add(hook);
    return () => void this.#onInterrupt.delete(hook);
  }

  /** Called by {@link runCommand} on the first signal: stops the hooks, then aborts. */
  interrupt(signal: NodeJS.Signals): void {
    if (this.#signalName) return;
    this.#signalName = signal;
    for (const hook of this.#onInterrupt) {
      try {
        hook();
      } catch {
        // a hook that fails must not stop the cancellation
      }
    }
    this.#abort.abort();
  }

  /** The manager if one was opened (no connection is made). */
  get openManager(): Core.DatabaseManager | undefined {
    return this.#manager;
  }

  /**
   * Checks the global flags before anything connects: `--timeout`, and that `--url` (when
   * given) is a URL of a known scheme. A bad one is a UsageError (exit 2).
   */
  preflight(): void {
    this.readOptions();
    const url = this.urlOrUndefined();
    if (url) checkUrlShape(url);
  }

  /** Closes the manager if one was opened. */
  async close(): Promise<void> {
    await this.#manager?.close().catch(() => undefined);
  }
}

/** A ValidationError from the option schemas (every issue names a field the value of which does not fit): a usage error, exit 2. */
function badValueTyped(error: unknown): boolean {
  const e = error as { code?: unknown; issues?: { path: string; message?: string }[] };
  const schemaIssue = (i: { path: string; message?: string }) => i.path !== '' && /^(is not a known option|must |expected )/i.test(i.message ?? '');
  return e.code === 'VALIDATION' && Array.isArray(e.issues) && e.issues.length > 0 && e.issues.every(schemaIssue);
}

interface PrintableError {
  code?: string;
  message: string;
  hint?: string;
}

function describeError(error: unknown): PrintableError {
  if (error instanceof Error) {
    const e = error as Error & { code?: unknown; hint?: unknown };
    return {
      code: typeof e.code === 'string' ? e.code : undefined,
      message: e.message,
      hint: typeof e.hint === 'string' ? e.hint : undefined,
    };
  }
  return { message: String(error) };
}

/**
 * Runs a command body with a context, prints a failure and returns the exit code.
 *
 * ### Examples
 * ```ts
 * process.exitCode = await runCommand(flags, (ctx) => listDatabases(ctx));
 * ```
 */
export async function runCommand(flags: GlobalFlags, body: (ctx: CliContext) => Promise<void>, io?: ConfirmIO, output?: Output): Promise<number> {
  const abort = new AbortController();
  const ctx = new CliContext(flags, abort, io, output);
  const err = ctx.output.err as NodeJS.WritableStream & { isTTY?: boolean };
  let notice = false;
  const stopSignals = onTerminatingSignals((signal) => {
    ctx.interrupt(signal); // progress bars stop drawing first, so the notice is not drawn over
    const again = signal === 'SIGINT' ? 'Ctrl-C again' : `${signal} again`;
    // on a terminal the notice stays on its line (no newline) and is cleared when the outcome is known
    err.write(`\ngds: ${signal === 'SIGINT' ? 'interrupted' : `${signal} received`}, cancelling (${again} to quit at once)…${err.isTTY ? '' : '\n'}`);
    notice = true;
  });
  const clearNotice = () => {
    if (notice && err.isTTY) err.write('\r\x1b[2K');
    notice = false;
  };
  try {
    ctx.preflight();
    await body(ctx);
    clearNotice();
    if (ctx.interruptedBy) {
      // the operation finished before the cancellation reached it: its result stands
      ctx.output.err.write(`gds: ${ctx.interruptedBy} came too late to cancel: the operation had finished\n`);
      return signalExitCode(ctx.interruptedBy);
    }
    return EXIT.OK;
  } catch (error) {
    clearNotice();
    if (error instanceof ReportedError) return error.exitCode;
    const usage = error instanceof UsageError || badValueTyped(error);
    const code = ctx.interruptedBy ? signalExitCode(ctx.interruptedBy) : usage ? EXIT.USAGE : EXIT.FAILED;
    const info = inCliWords(error, describeError(error));
    info.hint = (await standbyHint(ctx.openManager, error, urlDatabase(ctx.urlOrUndefined()))) ?? info.hint;
    if (ctx.interruptedBy) info.message = `${ctx.interruptedBy === 'SIGINT' ? 'interrupted' : `ended by ${ctx.interruptedBy}`}: ${info.message}`;
    const left = ctx.leftBehind.map((l) => redactText(l));
    if (ctx.output.json) {
      printJson(ctx.output, {
        ok: false,
        exitCode: code,
        error: { code: usage ? 'USAGE' : (info.code ?? 'ERROR'), message: info.message, hint: info.hint, ...(left.length ? { leftBehind: left } : {}) },
      });
    } else {
      ctx.output.err.write(`gds: ${redactText(info.message)}\n`);
      if (info.hint) ctx.output.err.write(`  hint: ${redactText(info.hint)}\n`);
      for (const line of left) ctx.output.err.write(`  left behind: ${line}\n`);
    }
    return code;
  } finally {
    stopSignals();
    await ctx.close();
  }
}
