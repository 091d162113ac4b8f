/**
 * The run-time context of one command: the target URL (`--url` or `GDS_URL`), the output mode,
 * Ctrl-C handling (the first cancels the running operation through its AbortSignal, so child
 * processes end and no partial backup stays; a second one exits at once), lazy loading of the
 * core and of the one engine the URL needs, and the mapping of errors to exit codes:
 * 0 success, 1 the operation failed (typed error's message and hint), 2 usage error,
 * 130 interrupted by Ctrl-C.
 *
 * @module
 */
import type * as Core from '@gds/database';
import { confirmDestructive, terminalIO, type ConfirmIO } from './confirm.js';
import { loadEngineFor, type EngineModule } from './engine-loader.js';
import { printJson, processOutput, type Output } from './output.js';
import { hideValue, redactText, useCoreRedaction } from './redaction.js';
import { ReportedError, UsageError } from './usage-error.js';

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
}

/** Exit codes of the CLI. */
export const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 });

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
  #core: typeof Core | undefined;
  #manager: Core.DatabaseManager | undefined;
  #engine: { engine: string; packageName: string; module: EngineModule } | undefined;

  /** Makes the context; nothing is loaded yet. */
  constructor(flags: GlobalFlags, abort: AbortController, io: ConfirmIO = terminalIO(), output: Output = processOutput(Boolean(flags.json))) {
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

  /** The options common to changes: dryRun, signal, timeoutMs. */
  changeOptions(): { dryRun: boolean; signal: AbortSignal; timeoutMs?: number } {
    return { dryRun: Boolean(this.flags.dryRun), signal: this.signal, ...this.timeout() };
  }

  /** The options common to reads: signal, timeoutMs. */
  readOptions(): { signal: AbortSignal; timeoutMs?: number } {
    return { signal: this.signal, ...this.timeout() };
  }

  private timeout(): { timeoutMs?: number } {
    if (this.flags.timeout === undefined) return {};
    const ms = Number(this.flags.timeout);
    if (!Number.isInteger(ms) || ms <= 0) throw new UsageError(`--timeout takes a whole number of milliseconds, got '${this.flags.timeout}'`);
    return { timeoutMs: ms };
  }

  /** Asks before a destructive action (see confirmDestructive). */
  confirm(action: string): Promise<void> {
    return confirmDestructive(action, this.flags, this.io);
  }

  /** Whether Ctrl-C was pressed. */
  get interrupted(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Closes the manager if one was opened. */
  async close(): Promise<void> {
    await this.#manager?.close().catch(() => undefined);
  }
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
export async function runCommand(flags: GlobalFlags, body: (ctx: CliContext) => Promise<void>, io?: ConfirmIO): Promise<number> {
  const abort = new AbortController();
  let presses = 0;
  const onSigint = () => {
    presses++;
    if (presses > 1) process.exit(EXIT.INTERRUPTED);
    process.stderr.write('\ngds: cancelling (Ctrl-C again to quit at once)…\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const ctx = new CliContext(flags, abort, io);
  try {
    await body(ctx);
    return EXIT.OK;
  } catch (error) {
    if (error instanceof ReportedError) return error.exitCode;
    const usage = error instanceof UsageError;
    const code = ctx.interrupted ? EXIT.INTERRUPTED : usage ? EXIT.USAGE : EXIT.FAILED;
    const info = describeError(error);
    if (ctx.interrupted) info.message = `interrupted: ${info.message}`;
    if (ctx.output.json) {
      printJson(ctx.output, { ok: false, exitCode: code, error: { code: usage ? 'USAGE' : (info.code ?? 'ERROR'), message: info.message, hint: info.hint } });
    } else {
      ctx.output.err.write(`gds: ${redactText(info.message)}\n`);
      if (info.hint) ctx.output.err.write(`  hint: ${redactText(info.hint)}\n`);
    }
    return code;
  } finally {
    process.off('SIGINT', onSigint);
    await ctx.close();
  }
}
