/**
 * The outcome of a gds operation: whether it succeeded, how long it took, what it ran (or, in a
 * dry run, would run) and what the server said. Statements and messages are redacted.
 *
 * A failed operation *rejects* with a {@link GdsError} whose `result` is the failed
 * `OperationResult`, so a forgotten `isSuccess()` check can never hide a failed drop or backup.
 *
 * @module
 */
import { redact } from './secret.js';
import type { GdsError } from './errors.js';

/** What {@link OperationResult.success} and {@link OperationResult.failure} take. */
export interface OperationResultInit<T = unknown> {
  /** The operation's name, e.g. `'drop'`. */
  operation: string;
  /** A one-line summary for people. */
  message: string;
  /** Milliseconds the operation took. */
  durationMs: number;
  /** The statements or commands it ran (or would run, in a dry run). */
  statements?: readonly string[];
  /** Informational lines the server or tool sent (notices, progress messages). */
  messages?: readonly string[];
  /** Whether nothing was changed because this was a dry run. */
  dryRun?: boolean;
  /** Operation-specific data, e.g. the backup file's size. */
  data?: T;
  /** The error, for a failure. */
  error?: GdsError;
}

/**
 * The outcome of an operation.
 *
 * ### Examples
 * ```ts
 * const result = await db.drop({ dryRun: true });
 * console.log(result.statements); // [ 'DROP DATABASE "app"' ]
 * console.log(result.isSuccess(), result.durationMs);
 * ```
 */
export class OperationResult<T = unknown> {
  /** Whether the operation succeeded. */
  readonly success: boolean;
  /** The operation's name. */
  readonly operation: string;
  /** A one-line summary. */
  readonly message: string;
  /** The error of a failed operation. */
  readonly error: GdsError | undefined;
  /** Milliseconds the operation took. */
  readonly durationMs: number;
  /** What ran, or in a dry run what would run; secrets redacted. */
  readonly statements: readonly string[];
  /** Lines the server or tool reported (notices, progress), redacted. */
  readonly messages: readonly string[];
  /** True when nothing was changed because this was a dry run. */
  readonly dryRun: boolean;
  /** Operation-specific data. */
  readonly data: T | undefined;

  private constructor(success: boolean, init: OperationResultInit<T>) {
    this.success = success;
    this.operation = init.operation;
    this.message = redact(init.message);
    this.error = init.error;
    this.durationMs = init.durationMs;
    this.statements = Object.freeze((init.statements ?? []).map(redact));
    this.messages = Object.freeze((init.messages ?? []).map(redact));
    this.dryRun = init.dryRun ?? false;
    this.data = init.data;
    Object.freeze(this);
  }

  /**
   * A successful result.
   *
   * ### Examples
   * ```ts
   * return OperationResult.success({ operation: 'vacuum', message: 'vacuumed', durationMs: 12 });
   * ```
   */
  static success<T = unknown>(init: Omit<OperationResultInit<T>, 'error'>): OperationResult<T> {
    return new OperationResult<T>(true, init);
  }

  /**
   * A failed result; `error` is required.
   *
   * ### Examples
   * ```ts
   * const failed = OperationResult.failure({ operation: 'drop', message: e.message, durationMs: 3, error: e });
   * ```
   */
  static failure<T = unknown>(init: OperationResultInit<T> & { error: GdsError }): OperationResult<T> {
    return new OperationResult<T>(false, init);
  }

  /** Whether the operation succeeded. */
  isSuccess(): boolean {
    return this.success;
  }

  /** A plain object for `--json` output and logs. */
  toJSON(): Record<string, unknown> {
    return {
      success: this.success,
      operation: this.operation,
      message: this.message,
      durationMs: Math.round(this.durationMs * 1000) / 1000,
      dryRun: this.dryRun,
      statements: this.statements,
      messages: this.messages,
      data: this.data,
      error: this.error?.toJSON(),
    };
  }
}
