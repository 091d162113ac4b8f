// Who runs a throwaway server's programs: the current user, or (as root) the server's own OS user.
import { execFileSync } from 'node:child_process';

/**
 * Who runs the server programs: `name` undefined means the current user; otherwise the OS user to switch to.
 *
 * ### Examples
 * ```ts
 * const user: ServerUser = { name: 'postgres', uid: 105, gid: 111 };
 * ```
 */
export interface ServerUser {
  readonly name: string | undefined;
  readonly uid: number;
  readonly gid: number;
}

function idOf(flag: '-u' | '-g', user: string): number {
  return Number(execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
}

/**
 * Decides who runs the server programs. PostgreSQL refuses root, and MariaDB does unless told `--user`, so as
 * root this is `osUser` (`postgres`, `mysql`), created with `useradd --system` when missing; otherwise the
 * current user.
 *
 * ### Examples
 * ```ts
 * const user = resolveServerUser('postgres'); // as root: { name: 'postgres', uid: 105, gid: 111 }
 * ```
 */
export function resolveServerUser(osUser: string): ServerUser {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { name: undefined, uid, gid: process.getgid?.() ?? -1 };
  try {
    idOf('-u', osUser);
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', osUser], { stdio: 'ignore' });
  }
  return { name: osUser, uid: idOf('-u', osUser), gid: idOf('-g', osUser) };
}

/**
 * Wraps a command so it runs as `user` (via `runuser`) when one is given.
 *
 * ### Examples
 * ```ts
 * const [file, args] = asUser(user, '/usr/lib/postgresql/15/bin/initdb', ['-D', dir]); // ['runuser', ['-u', 'postgres', '--', ...]]
 * ```
 */
export function asUser(user: ServerUser, file: string, args: readonly string[]): [string, string[]] {
  return user.name === undefined ? [file, [...args]] : ['runuser', ['-u', user.name, '--', file, ...args]];
}
