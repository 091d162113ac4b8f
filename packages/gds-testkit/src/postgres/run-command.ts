// Runs a PostgreSQL program without a shell, as the server's OS user when we are root.
import { execFile, execFileSync } from 'node:child_process';

/** Who runs the server programs: `undefined` means the current user; otherwise the OS user to switch to. */
export interface ServerUser {
  readonly name: string | undefined;
  readonly uid: number;
  readonly gid: number;
}

const SERVER_OS_USER = 'postgres';

/** The environment for child programs, without PG* variables that could redirect them elsewhere. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  return env;
}

function idOf(flag: '-u' | '-g', user: string): number {
  return Number(execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
}

/**
 * Decides who runs initdb/pg_ctl/pg_basebackup. PostgreSQL refuses root, so as root this is the `postgres` OS
 * user, created with `useradd --system` when missing.
 */
export function resolveServerUser(): ServerUser {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { name: undefined, uid, gid: process.getgid?.() ?? -1 };
  try {
    idOf('-u', SERVER_OS_USER);
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_OS_USER], { stdio: 'ignore' });
  }
  return { name: SERVER_OS_USER, uid: idOf('-u', SERVER_OS_USER), gid: idOf('-g', SERVER_OS_USER) };
}

/** Wraps a command so it runs as `user` (via `runuser`) when one is given. */
export function asUser(user: ServerUser, file: string, args: readonly string[]): [string, string[]] {
  return user.name === undefined ? [file, [...args]] : ['runuser', ['-u', user.name, '--', file, ...args]];
}

/** Runs a program and resolves with its stdout; rejects with its stderr in the message. */
export function run(file: string, args: readonly string[], options: { cwd: string; timeoutMs?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: cleanEnv(), encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = `${stderr}${stdout}`.trim();
          reject(new Error(`${[file, ...args].join(' ')} failed: ${error.message.split('\n')[0] ?? ''}${detail ? `\n${detail}` : ''}`));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}
