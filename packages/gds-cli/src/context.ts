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
import { loadEngineFor, type EngineModule } from './engine-loader.js';
import { splitGuarded, type GuardedOptions } from './guard.js';
import { onTerminatingSignals, signalExitCode } from './signals.js';
import { parseOptionPairs } from './commands/parse-options.js';
import { printJson, processOutput, type Output } from './output.js';
import { hideValue, redactText, useCoreRedaction } from './redaction.js';
import { ReportedError, UsageError } from './usage-error.js';
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
  /** Time limit per operation, in milliseconds. */
  timeout?: string;
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
  #engine: { engine: string; packageName: string; module: EngineModule } | undefined;

  /** Makes the context; nothing is loaded yet. */
  constructor(flags: GlobalFlags, abort: AbortController, io: ConfirmIO = terminalIO(), output: Output = processOutput(Boolean(flags.json) || flags.format === 'json', flags.format)) {
    this.flags = flags;
    this.output = output;
    this.#abort = abort;
    this.signal = abort.signal;
    this.io = io;
    const url = this.urlOrUndefined();
    if (url) {
      try {
        const password = new URL(url).password;
        if (password) hideValue(decodeURIComponent(password));
      } catch {
        // not a WHATWG URL: the engine will say what is wrong
      }
    }
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
  async engine(): Promise<{ engine: string; packageName: string; module: EngineModule }> {
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
      this.#manager = await core.DatabaseManager.connect(this.url());
    }
    return this.#manager;
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
    return { dryRun: this.dryRun, signal: this.signal, ...this.timeout() };
  }

  /** The options common to reads: signal, timeoutMs. */
  readOptions(): { signal: AbortSignal; timeoutMs?: number } {
    return { signal: this.signal, ...this.timeout() };
  }

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
