/**
 * The one error hierarchy of gds. Every failure an engine reports is mapped (in that engine's
 * one error table) to one of these classes, with the driver's error kept as `cause` and every
 * secret redacted from the message and from the cause's message.
 *
 * `instanceof` fails when two copies of `@gds/database` are installed, so each class has a
 * static `isInstance(e)` that works across copies (it reads a `Symbol.for` marker).
 *
 * @module
 */
import { redact } from './secret.js';
import type { DatabaseType } from './enums.js';
import type { OperationResult } from './operation-result.js';

const MARKER = Symbol.for('@gds/database/error');

/**
 * The stable codes of the hierarchy, one per class. Tests and scripts can switch on them.
 *
 * ### Examples
 * ```ts
 * if (GdsError.isInstance(e) && e.code === 'DATABASE_IN_USE') await db.drop({ force: true });
 * ```
 */
export type ErrorCode =
  | 'GDS_ERROR'
  | 'VALIDATION'
  | 'PROVIDER_NOT_REGISTERED'
  | 'CONNECTION'
  | 'AUTHENTICATION'
  | 'PERMISSION_DENIED'
  | 'DATABASE_NOT_FOUND'
  | 'DATABASE_ALREADY_EXISTS'
  | 'DATABASE_IN_USE'
  | 'UNSUPPORTED_OPERATION'
  | 'OPERATION_TIMEOUT'
  | 'OPERATION_CANCELLED'
  | 'DEADLOCK'
  | 'QUERY'
  | 'EXTERNAL_TOOL';

/** What every error constructor takes besides the message. */
export interface GdsErrorOptions {
  /** The engine that failed, when known. */
  engine?: DatabaseType | string;
  /** The gds operation that failed, e.g. `'drop'` or `'backup'`. */
  operation?: string;
  /** The error that caused this one (a driver error, usually). Its message is redacted. */
  cause?: unknown;
  /** What the caller can do about it, in one sentence. */
  hint?: string;
  /** The engine's own code (SQLSTATE, error number...), as a string. */
  serverCode?: string;
  /** Overrides the class's default for {@link GdsError.retryable}. */
  retryable?: boolean;
}

function redactCause(cause: unknown): unknown {
  if (cause instanceof Error) {
    try {
      const message = redact(cause.message);
      if (message !== cause.message) cause.message = message;
      if (cause.stack) {
        const stack = redact(cause.stack);
        if (stack !== cause.stack) cause.stack = stack;
      }
    } catch {
      // a frozen or exotic error: leave it as it is
    }
  }
  return cause;
}

/**
 * The root of the hierarchy.
 *
 * ### Examples
 * ```ts
 * try {
 *   await db.drop();
 * } catch (e) {
 *   if (GdsError.isInstance(e)) console.error(e.code, e.message, e.hint);
 * }
 * ```
 */
export class GdsError extends Error {
  /** The default code of this class. */
  static readonly code: ErrorCode = 'GDS_ERROR';
  /** Whether errors of this class are worth retrying by default. */
  static readonly retryableByDefault: boolean = false;

  /** The stable code of the error. */
  readonly code: ErrorCode;
  /** The engine that failed, when known. */
  readonly engine: string | undefined;
  /** The gds operation that failed, when known. */
  operation: string | undefined;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** What the caller can do about it. */
  readonly hint: string | undefined;
  /** The engine's own code (SQLSTATE, error number...). */
  readonly serverCode: string | undefined;
  /** The failed operation's result, for callers that collect results. Set by the operation runner. */
  result: OperationResult | undefined;
  /** The codes of this class and its ancestors, read by `isInstance` across package copies. */
  readonly [MARKER]: readonly ErrorCode[];

  /** Makes an error; the message, the hint and the cause's message are redacted. */
  constructor(message: string, options: GdsErrorOptions = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: redactCause(options.cause) });
    const ctor = new.target as typeof GdsError;
    this.name = ctor.name;
    this.code = ctor.code;
    this.engine = options.engine;
    this.operation = options.operation;
    this.retryable = options.retryable ?? ctor.retryableByDefault;
    this.hint = options.hint === undefined ? undefined : redact(options.hint);
    this.serverCode = options.serverCode;
    this.result = undefined;
    const chain: ErrorCode[] = [];
    for (let c: unknown = ctor; c && (c as typeof GdsError).code; c = Object.getPrototypeOf(c)) {
      const code = (c as typeof GdsError).code;
      if (!chain.includes(code)) chain.push(code);
    }
    this[MARKER] = Object.freeze(chain);
  }

  /**
   * Whether `e` is an error of this class (or a subclass), from any installed copy of the core.
   *
   * ### Examples
   * ```ts
   * if (DatabaseNotFoundError.isInstance(e)) return undefined;
   * ```
   */
  static isInstance<T extends abstract new (...args: never[]) => GdsError>(this: T & { readonly code: ErrorCode }, e: unknown): e is InstanceType<T> {
    if (typeof e !== 'object' || e === null) return false;
    const chain = (e as Record<symbol, unknown>)[MARKER];
    return Array.isArray(chain) && chain.includes(this.code);
  }

  /** A plain object for logs and `--json` output: code, message, hint, engine, operation. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      hint: this.hint,
      engine: this.engine,
      operation: this.operation,
      serverCode: this.serverCode,
      retryable: this.retryable,
    };
  }
}

/** One invalid field: where it is (a JSON pointer such as `/dataFiles/0/size`) and what is wrong. */
export interface ValidationIssue {
  /** JSON pointer of the field, `''` for the whole value. */
  path: string;
  /** What is wrong with it. */
  message: string;
}

/**
 * Bad input: an option of the wrong type, a name the engine would refuse or silently change.
 * Lists every bad field, not only the first.
 *
 * ### Examples
 * ```ts
 * try { await db.create({ connectionLimit: -5 }); }
 * catch (e) { if (ValidationError.isInstance(e)) console.log(e.issues); }
 * ```
 */
export class ValidationError extends GdsError {
  static override readonly code: ErrorCode = 'VALIDATION';
  /** Every invalid field. */
  readonly issues: readonly ValidationIssue[];

  /** Makes the error from its issues; the message lists them. */
  constructor(message: string, issues: readonly ValidationIssue[] = [], options: GdsErrorOptions = {}) {
    const detail = issues.map((i) => `${i.path || '(value)'}: ${i.message}`).join('; ');
    super(detail ? `${message}: ${detail}` : message, options);
    this.issues = Object.freeze(issues.map((i) => ({ path: i.path, message: redact(i.message) })));
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/**
 * No provider is registered for an engine: its package is not installed or not imported.
 *
 * ### Examples
 * ```ts
 * // message: No engine 'mssql' is registered: install the gds engine package for 'mssql' and import it once ...
 * ```
 */
export class ProviderNotRegisteredError extends GdsError {
  static override readonly code: ErrorCode = 'PROVIDER_NOT_REGISTERED';
}

/**
 * The server could not be reached, or the connection broke. Retryable.
 *
 * ### Examples
 * ```ts
 * if (ConnectionError.isInstance(e) && e.retryable) await sleep(1000);
 * ```
 */
export class ConnectionError extends GdsError {
  static override readonly code: ErrorCode = 'CONNECTION';
  static override readonly retryableByDefault: boolean = true;
}

/**
 * The server refused the credentials. Not retryable.
 *
 * ### Examples
 * ```ts
 * if (AuthenticationError.isInstance(e)) console.error('check the user and password');
 * ```
 */
export class AuthenticationError extends GdsError {
  static override readonly code: ErrorCode = 'AUTHENTICATION';
}

/**
 * The user lacks a privilege the operation needs.
 *
 * ### Examples
 * ```ts
 * if (PermissionDeniedError.isInstance(e)) console.error(e.hint);
 * ```
 */
export class PermissionDeniedError extends GdsError {
  static override readonly code: ErrorCode = 'PERMISSION_DENIED';
}

/**
 * The named database does not exist (or is not visible to this user).
 *
 * ### Examples
 * ```ts
 * const meta = await db.getMetadata().catch((e) => (DatabaseNotFoundError.isInstance(e) ? undefined : Promise.reject(e)));
 * ```
 */
export class DatabaseNotFoundError extends GdsError {
  static override readonly code: ErrorCode = 'DATABASE_NOT_FOUND';
}

/**
 * A database with that name exists already.
 *
 * ### Examples
 * ```ts
 * await db.create().catch((e) => { if (!DatabaseAlreadyExistsError.isInstance(e)) throw e; });
 * ```
 */
export class DatabaseAlreadyExistsError extends GdsError {
  static override readonly code: ErrorCode = 'DATABASE_ALREADY_EXISTS';
}

/**
 * Other sessions use the database, so the operation was refused rather than ending them.
 * `sessions` is their count when the engine could tell it.
 *
 * ### Examples
 * ```ts
 * catch (e) { if (DatabaseInUseError.isInstance(e)) console.log(`${e.sessions} sessions open`); }
 * ```
 */
export class DatabaseInUseError extends GdsError {
  static override readonly code: ErrorCode = 'DATABASE_IN_USE';
  static override readonly retryableByDefault: boolean = true;
  /** How many other sessions were connected, when known. */
  readonly sessions: number | undefined;

  /** Makes the error; `sessions` is the count of other sessions when known. */
  constructor(message: string, options: GdsErrorOptions & { sessions?: number } = {}) {
    super(message, options);
    this.sessions = options.sessions;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), sessions: this.sessions };
  }
}

/**
 * The engine cannot do this operation; the message says which engine, which operation and why.
 *
 * ### Examples
 * ```ts
 * if (!db.supports('state.offline')) console.log('this engine has no offline state');
 * ```
 */
export class UnsupportedOperationError extends GdsError {
  static override readonly code: ErrorCode = 'UNSUPPORTED_OPERATION';
}

/**
 * The operation ran past its `timeoutMs`. Retryable.
 *
 * ### Examples
 * ```ts
 * await db.backup('/b/app.dump', { timeoutMs: 60_000 }); // rejects with OperationTimeoutError after a minute
 * ```
 */
export class OperationTimeoutError extends GdsError {
  static override readonly code: ErrorCode = 'OPERATION_TIMEOUT';
  static override readonly retryableByDefault: boolean = true;
}

/**
 * The operation was cancelled through its `signal` (or by the server on request).
 *
 * ### Examples
 * ```ts
 * const ac = new AbortController();
 * setTimeout(() => ac.abort(), 100);
 * await db.backup('/b/app.dump', { signal: ac.signal }); // rejects with OperationCancelledError
 * ```
 */
export class OperationCancelledError extends GdsError {
  static override readonly code: ErrorCode = 'OPERATION_CANCELLED';
}

/**
 * The server chose this session as a deadlock victim. Retryable.
 *
 * ### Examples
 * ```ts
 * if (DeadlockError.isInstance(e)) await retry();
 * ```
 */
export class DeadlockError extends GdsError {
  static override readonly code: ErrorCode = 'DEADLOCK';
  static override readonly retryableByDefault: boolean = true;
}

/**
 * Any other error the server reported for a statement.
 *
 * ### Examples
 * ```ts
 * if (QueryError.isInstance(e)) console.log(e.serverCode);
 * ```
 */
export class QueryError extends GdsError {
  static override readonly code: ErrorCode = 'QUERY';
}

/**
 * An external tool (pg_dump, pg_restore...) was missing, refused to run, or failed.
 * `exitCode` and the last lines of its error output are kept (redacted).
 *
 * ### Examples
 * ```ts
 * if (ExternalToolError.isInstance(e)) console.error(e.tool, e.exitCode, e.stderr);
 * ```
 */
export class ExternalToolError extends GdsError {
  static override readonly code: ErrorCode = 'EXTERNAL_TOOL';
  /** The tool's name, e.g. `'pg_dump'`. */
  readonly tool: string;
  /** Its exit code, when it ran. */
  readonly exitCode: number | undefined;
  /** The end of what it wrote to stderr, redacted. */
  readonly stderr: string;

  /** Makes the error for `tool`. */
  constructor(message: string, options: GdsErrorOptions & { tool: string; exitCode?: number; stderr?: string }) {
    super(message, options);
    this.tool = options.tool;
    this.exitCode = options.exitCode;
    this.stderr = redact(options.stderr ?? '');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), tool: this.tool, exitCode: this.exitCode, stderr: this.stderr };
  }
}

/**
 * The classes an engine's error table may map a driver code to, by code.
 *
 * ### Examples
 * ```ts
 * const SQLSTATE: Record<string, ErrorKind> = { '28P01': 'AUTHENTICATION', '3D000': 'DATABASE_NOT_FOUND' };
 * ```
 */
export type ErrorKind = Exclude<ErrorCode, 'GDS_ERROR' | 'VALIDATION' | 'PROVIDER_NOT_REGISTERED' | 'EXTERNAL_TOOL'>;

/**
 * The class each error kind makes, for engines' error tables and their table tests.
 *
 * ### Examples
 * ```ts
 * expect(ERROR_CLASSES[POSTGRES_ERROR_TABLE['3D000']].isInstance(mapPostgresError(e, 'drop'))).toBe(true);
 * ```
 */
export const ERROR_CLASSES: Readonly<Record<ErrorKind, (new (message: string, options?: GdsErrorOptions) => GdsError) & { isInstance(e: unknown): boolean }>> = Object.freeze({
  CONNECTION: ConnectionError,
  AUTHENTICATION: AuthenticationError,
  PERMISSION_DENIED: PermissionDeniedError,
  DATABASE_NOT_FOUND: DatabaseNotFoundError,
  DATABASE_ALREADY_EXISTS: DatabaseAlreadyExistsError,
  DATABASE_IN_USE: DatabaseInUseError,
  UNSUPPORTED_OPERATION: UnsupportedOperationError,
  OPERATION_TIMEOUT: OperationTimeoutError,
  OPERATION_CANCELLED: OperationCancelledError,
  DEADLOCK: DeadlockError,
  QUERY: QueryError,
});

/**
 * Makes the error of the class named by `kind`. Engines call it from their one error table.
 *
 * ### Examples
 * ```ts
 * throw createError('PERMISSION_DENIED', 'permission denied to create database', { engine: 'postgresql', cause: err });
 * ```
 */
export function createError(kind: ErrorKind, message: string, options: GdsErrorOptions = {}): GdsError {
  const Class = ERROR_CLASSES[kind];
  return new Class(message, options);
}
