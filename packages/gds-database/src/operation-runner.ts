/**
 * The one place where every operation of every engine is timed, cancelled, timed out, recorded
 * and has its errors mapped: {@link runOperation} for changes (which return an
 * {@link OperationResult} and honour `dryRun`) and {@link runRead} for reads. `Database`,
 * `HighAvailabilityManager` and `DatabaseManager` call these; engines only supply the body.
 *
 * Cancellation: when `signal` aborts or `timeoutMs` passes, the operation's own signal
 * (`ctx.signal`) aborts so that the engine can stop its query or child process; the caller's
 * promise rejects with OperationCancelledError or OperationTimeoutError as soon as the body has
 * stopped (so its clean-up is done), or after {@link CANCEL_GRACE_MS} if it does not stop. A
 * change whose body completes anyway within that grace (the cancel came after its point of no
 * return) resolves as done, with a message saying the cancel came too late: reporting
 * "cancelled" for a change that happened would mislead.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import { GdsError, OperationCancelledError, OperationTimeoutError, ValidationError } from './errors.js';
import { OperationResult } from './operation-result.js';
import { MAX_TIMER_MS, type ProgressEvent } from './options.js';
import { redact } from './secret.js';
import { describeStatementDefault, type Statement } from './statement.js';

/**
 * What the body of an operation gets: the dry-run flag, an abort signal, and ways to record
 * statements, server messages and progress.
 *
 * ### Examples
 * ```ts
 * async performDrop(ctx: OperationContext) {
 *   await ctx.step(S.dropDatabase(this.name), (s) => this.pg.query(s.text, s.params, { signal: ctx.signal }));
 *   return { message: `dropped ${this.name}` };
 * }
 * ```
 */
export interface OperationContext {
  /** The operation's name, e.g. `'drop'`. */
  readonly operation: string;
  /** True in a dry run: `step()` records but does not run. */
  readonly dryRun: boolean;
  /** Aborts on cancellation or timeout; pass it to drivers and child processes. */
  readonly signal: AbortSignal;
  /**
   * Records `statement` (as the engine describes it), then runs `run` with that same object
   * unless this is a dry run (then resolves `undefined`): what a dry run shows is what runs.
   */
  step<S extends Statement, T>(statement: S, run: (statement: S) => Promise<T>): Promise<T | undefined>;
  /** Records a command line that runs (or would run) outside a session (a tool such as pg_dump). */
  record(commandLine: string): void;
  /** Records an informational line from the server or a tool. */
  message(line: string): void;
  /** Reports progress to the caller's `onProgress`. */
  progress(event: Omit<ProgressEvent, 'elapsedMs'>): void;
  /** Throws the cancellation or timeout error if the operation was aborted. */
  throwIfAborted(): void;
  /** Milliseconds since the operation started. */
  elapsedMs(): number;
}

/** What the body of a change returns: a one-line message and optional data. */
export interface OperationOutcome<T = unknown> {
  /** One line for people, e.g. `'dropped database "app"'`. */
  message: string;
  /** Operation-specific data, copied to the result. */
  data?: T;
}

/** How an operation runs. */
export interface RunSpec {
  /** The operation's name. */
  operation: string;
  /** The engine, for errors. */
  engine?: string;
  /** Record, do not run. */
  dryRun?: boolean;
  /** Time limit in milliseconds. */
  timeoutMs?: number;
  /** The caller's cancellation signal. */
  signal?: AbortSignal;
  /** The caller's progress callback; a throw (or a rejected promise) from it is noted in the messages and ignored. */
  onProgress?: (event: ProgressEvent) => void;
  /** The caller's message callback; a throw (or a rejected promise) from it is noted in the messages and ignored. */
  onMessage?: (line: string) => void;
  /** Maps any non-gds error into the hierarchy (the engine's error table). */
  mapError?: (error: unknown, operation: string) => GdsError;
  /** How long a cancelled body may take to stop before the caller is released. Defaults to {@link CANCEL_GRACE_MS}. */
  cancelGraceMs?: number;
  /** How a dry run shows a statement (the engine's); defaults to {@link describeStatementDefault}. */
  describeStatement?: (statement: Statement) => string;
}

/**
 * Refuses a time limit a timer cannot honour (not an integer, below 1, or above
 * {@link MAX_TIMER_MS}, which Node would silently turn into 1 ms), for callers that bypass the
 * option schemas.
 */
function checkTimer(spec: RunSpec): void {
  for (const [key, value] of [
    ['timeoutMs', spec.timeoutMs],
    ['cancelGraceMs', spec.cancelGraceMs],
  ] as const) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < (key === 'timeoutMs' ? 1 : 0) || value > MAX_TIMER_MS) {
      throw new ValidationError(`Invalid ${key} for ${spec.operation}`, [{ path: `/${key}`, message: `must be an integer from ${key === 'timeoutMs' ? 1 : 0} to ${MAX_TIMER_MS} (a Node timer's limit)` }], {
        operation: spec.operation,
        engine: spec.engine,
      });
    }
  }
}

/** The callbacks waiting on each caller signal: one 'abort' listener per signal, however many operations share it. */
const WAITING = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Runs `callback` when `signal` aborts; returns its remover. Every operation sharing one signal
 * shares one listener on it, so a signal given to many concurrent operations never trips Node's
 * MaxListenersExceededWarning (ten listeners by default).
 */
function onSharedAbort(signal: AbortSignal, callback: () => void): () => void {
  let waiting = WAITING.get(signal);
  if (!waiting) {
    const set = new Set<() => void>();
    waiting = set;
    WAITING.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        WAITING.delete(signal);
        for (const cb of [...set]) cb();
      },
      { once: true },
    );
  }
  const set = waiting;
  set.add(callback);
  return () => void set.delete(callback);
}

class Abort {
  readonly controller = new AbortController();
  reason: 'cancelled' | 'timeout' | undefined;
  #timer: NodeJS.Timeout | undefined;
  #detach: (() => void) | undefined;
  readonly aborted: Promise<never>;

  constructor(spec: RunSpec) {
    let reject!: (e: unknown) => void;
    this.aborted = new Promise<never>((_, r) => (reject = r));
    this.aborted.catch(() => undefined);
    const fire = (reason: 'cancelled' | 'timeout') => {
      if (this.reason) return;
      this.reason = reason;
      const error = this.error(spec);
      this.controller.abort(error);
      reject(error);
    };
    if (spec.signal) {
      if (spec.signal.aborted) fire('cancelled');
      else {
        this.#detach = onSharedAbort(spec.signal, () => fire('cancelled'));
      }
    }
    if (spec.timeoutMs !== undefined && !this.reason) {
      this.#timer = setTimeout(() => fire('timeout'), spec.timeoutMs);
      this.#timer.unref?.();
    }
  }

  error(spec: RunSpec, cause?: unknown): GdsError {
    const options = { operation: spec.operation, engine: spec.engine, cause };
    return this.reason === 'timeout'
      ? new OperationTimeoutError(`${spec.operation} did not finish within ${spec.timeoutMs} ms`, {
          ...options,
          hint: 'raise timeoutMs, or look for locks or a slow server',
        })
      : new OperationCancelledError(`${spec.operation} was cancelled`, options);
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#detach?.();
  }
}

function toGdsError(error: unknown, spec: RunSpec, abort: Abort): GdsError {
  let mapped: GdsError;
  if (abort.reason && !(error instanceof GdsError && (OperationCancelledError.isInstance(error) || OperationTimeoutError.isInstance(error)))) {
    mapped = abort.error(spec, error);
  } else if (GdsError.isInstance(error)) {
    mapped = error;
  } else if (spec.mapError) {
    mapped = spec.mapError(error, spec.operation);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    mapped = new GdsError(`${spec.operation} failed: ${message}`, { operation: spec.operation, engine: spec.engine, cause: error });
  }
  if (mapped.operation === undefined) mapped.operation = spec.operation;
  return mapped;
}

/**
 * How long a cancelled or timed-out operation waits for its body to stop (kill its child
 * process, remove its temporary files) before the caller is released anyway.
 */
export const CANCEL_GRACE_MS = 5_000;

/** Waits at most `graceMs` for `work` to settle: its value, or `undefined` when it failed or took longer. */
async function settleWithin<T>(work: Promise<T>, graceMs: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), graceMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([work.then((value) => ({ value }), () => undefined), grace]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Runs `work` until it settles or the operation is aborted. On an abort the body gets a bounded
 * time to clean up (so that "no partial file" holds when we reject). For a change (`late`
 * given), a body that completes anyway within that time is the truth: its value is returned and
 * `late.value` set, because reporting "cancelled" for a change that happened would mislead.
 */
async function race<T>(work: Promise<T>, abort: Abort, graceMs: number = CANCEL_GRACE_MS, late?: { value: boolean }): Promise<T> {
  work.catch(() => undefined); // the body may settle after the caller was released
  try {
    return await Promise.race([work, abort.aborted]);
  } catch (error) {
    if (abort.reason) {
      const settled = await settleWithin(work, graceMs);
      if (settled && late) {
        late.value = true;
        return settled.value;
      }
    }
    throw error;
  }
}

/**
 * Calls a user's callback so that nothing it does can break the operation: a throw (or the
 * rejection of a promise it returns) is caught and noted once in the result's messages, and the
 * operation goes on.
 */
function callSafely<A>(name: string, callback: (arg: A) => unknown, arg: A, failed: Set<string>, messages: string[]): void {
  const note = (error: unknown) => {
    if (failed.has(name)) return;
    failed.add(name);
    messages.push(redact(`${name} callback failed (ignored): ${error instanceof Error ? error.message : String(error)}`));
  };
  try {
    const returned = callback(arg);
    if (returned && typeof (returned as PromiseLike<unknown>).then === 'function') {
      Promise.resolve(returned).catch(note);
    }
  } catch (error) {
    note(error);
  }
}

/**
 * Runs a change: times it, honours `dryRun`, `signal` and `timeoutMs`, records statements and
 * messages, and returns a successful {@link OperationResult} or rejects with a {@link GdsError}
 * whose `result` is the failed one.
 *
 * ### Examples
 * ```ts
 * const result = await runOperation({ operation: 'vacuum', dryRun: true }, async (ctx) => {
 *   await ctx.step(statement('VACUUM'), (s) => sql.unsafe(s.text));
 *   return { message: 'vacuumed' };
 * });
 * result.statements; // ['VACUUM']
 * ```
 */
export async function runOperation<T>(spec: RunSpec, body: (ctx: OperationContext) => Promise<OperationOutcome<T>>): Promise<OperationResult<T>> {
  checkTimer(spec);
  const started = performance.now();
  const statements: string[] = [];
  const messages: string[] = [];
  const dryRun = spec.dryRun ?? false;
  const abort = new Abort(spec);
  const failedCallbacks = new Set<string>();
  const ctx: OperationContext = {
    operation: spec.operation,
    dryRun,
    signal: abort.controller.signal,
    async step<S extends Statement, R>(statement: S, run: (statement: S) => Promise<R>): Promise<R | undefined> {
      ctx.throwIfAborted();
      statements.push(redact((spec.describeStatement ?? describeStatementDefault)(statement)));
      if (dryRun) return undefined;
      return run(statement);
    },
    record(commandLine: string) {
      statements.push(redact(commandLine));
    },
    message(line: string) {
      const clean = redact(line);
      messages.push(clean);
      if (spec.onMessage) callSafely('onMessage', spec.onMessage, clean, failedCallbacks, messages);
    },
    progress(event) {
      if (spec.onProgress) callSafely('onProgress', spec.onProgress, { ...event, elapsedMs: performance.now() - started }, failedCallbacks, messages);
    },
    throwIfAborted() {
      if (abort.reason) throw abort.error(spec);
    },
    elapsedMs: () => performance.now() - started,
  };
  try {
    if (abort.reason) throw abort.error(spec);
    const late = { value: false };
    const outcome = await race(body(ctx), abort, spec.cancelGraceMs, late);
    if (late.value) messages.push(`the ${abort.reason === 'timeout' ? 'timeout' : 'cancellation'} came too late: ${spec.operation} had completed, and was not undone`);
    return OperationResult.success<T>({
      operation: spec.operation,
      message: dryRun ? `dry run: ${outcome.message}` : outcome.message,
      durationMs: performance.now() - started,
      statements,
      messages,
      dryRun,
      data: outcome.data,
    });
  } catch (error) {
    const mapped = toGdsError(error, spec, abort);
    mapped.result = OperationResult.failure<T>({
      operation: spec.operation,
      message: mapped.message,
      durationMs: performance.now() - started,
      statements,
      messages,
      dryRun,
      error: mapped,
    });
    throw mapped;
  } finally {
    abort.dispose();
  }
}

/**
 * Runs a read with the same cancellation, timeout and error mapping as {@link runOperation},
 * returning the body's value.
 *
 * ### Examples
 * ```ts
 * const names = await runRead({ operation: 'listSchemas', timeoutMs: 5000 }, (signal) => fetchSchemas(signal));
 * ```
 */
export function runRead<T>(spec: RunSpec, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (!spec.signal && spec.timeoutMs === undefined) {
    // the common case, kept cheap: no timer, no listener, no race, no extra async frame
    let work: Promise<T>;
    try {
      work = body(NEVER_ABORTED);
    } catch (error) {
      return Promise.reject(toGdsError(error, spec, NO_ABORT));
    }
    return work.catch((error: unknown) => {
      throw toGdsError(error, spec, NO_ABORT);
    });
  }
  return runReadWithAbort(spec, body);
}

async function runReadWithAbort<T>(spec: RunSpec, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  checkTimer(spec);
  const abort = new Abort(spec);
  try {
    if (abort.reason) throw abort.error(spec);
    return await race(body(abort.controller.signal), abort, spec.cancelGraceMs);
  } catch (error) {
    throw toGdsError(error, spec, abort);
  } finally {
    abort.dispose();
  }
}

/**
 * The signal a read's body gets when the caller gave no signal and no timeout: it never aborts,
 * so a driver can skip listening to it (see {@link isNeverAborted}).
 *
 * ### Examples
 * ```ts
 * if (!isNeverAborted(signal)) signal.addEventListener('abort', cancel, { once: true });
 * ```
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * Whether `signal` is missing or is {@link NEVER_ABORTED}: listening to it would be wasted work.
 *
 * ### Examples
 * ```ts
 * isNeverAborted(undefined); // true
 * isNeverAborted(AbortSignal.timeout(10)); // false
 * ```
 */
export function isNeverAborted(signal: AbortSignal | undefined): boolean {
  return signal === undefined || signal === NEVER_ABORTED;
}

const NO_ABORT = new Abort({ operation: 'none' });
