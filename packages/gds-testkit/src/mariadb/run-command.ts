// Runs a MariaDB program without a shell, as the server's OS user when we are root, with SQL on stdin.
import { spawn } from 'node:child_process';
import { resolveServerUser as resolveUser, type ServerUser } from '../server-user.js';

export { asUser, type ServerUser } from '../server-user.js';

const SERVER_OS_USER = 'mysql';
/** Client and server variables that could point a program at another server or hand it a password. */
const FOREIGN_ENV = /^(MYSQL|MARIADB)_|^(MYSQL_HOST|MYSQL_PWD|MYSQL_TCP_PORT|MYSQL_UNIX_PORT|MYSQL_HOME|LIBMYSQL_ENABLE_CLEARTEXT_PLUGIN)$/;

/** The environment for child programs, without MYSQL_* / MARIADB_* variables (MYSQL_PWD, MYSQL_TCP_PORT, ...). */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!FOREIGN_ENV.test(key)) env[key] = value;
  return env;
}

/**
 * Decides who runs mariadb-install-db and mariadbd: as root, the `mysql` OS user (Debian's package creates it).
 */
export function resolveServerUser(): ServerUser {
  return resolveUser(SERVER_OS_USER);
}

/** A program that exited non-zero: its exit code and what it printed on stderr. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * Runs a program, writes `input` (if any) to its stdin, and resolves with its stdout; rejects with a
 * {@link CommandError} carrying its stderr. The arguments are printed in the error, so never put secrets there.
 */
export function run(file: string, args: readonly string[], options: { cwd: string; input?: string; timeoutMs?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined); // the program may exit before reading all of its input
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new CommandError(`${[file, ...args].join(' ')} could not run: ${error.message}`, null, ''));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0 && !timedOut) {
        resolve(stdout);
        return;
      }
      const why = timedOut ? `timed out after ${options.timeoutMs ?? 60_000} ms` : `exited with ${String(code)}`;
      const detail = stderr.trim() || stdout.trim();
      reject(new CommandError(`${[file, ...args].join(' ')} ${why}${detail ? `\n${detail}` : ''}`, code, stderr));
    });
    child.stdin.end(options.input ?? '');
  });
}
