/**
 * The CLI's own usage error: bad arguments that the argument parser cannot see (a missing URL,
 * an `--opt` without `=`). Exits with code 2, like a parse error.
 *
 * @module
 */

/**
 * A usage error (exit code 2).
 *
 * ### Examples
 * ```ts
 * throw new UsageError('no target: pass --url or set GDS_URL');
 * ```
 */
export class UsageError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * An error whose report was already printed (a command that writes its own JSON document on
 * failure): the CLI exits with `exitCode` and prints nothing more.
 *
 * ### Examples
 * ```ts
 * printJson(output, { ok: false, steps });
 * throw new ReportedError('demo failed', 1);
 * ```
 */
export class ReportedError extends Error {
  /** The exit code to use. */
  readonly exitCode: number;

  /** Makes the error. */
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'ReportedError';
    this.exitCode = exitCode;
  }
}
