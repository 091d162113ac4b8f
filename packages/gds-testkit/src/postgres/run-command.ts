// Runs a PostgreSQL program without a shell, as the server's OS user when we are root.
import { execFile } from 'node:child_process';
import { resolveServerUser as resolveUser, type ServerUser } from '../server-user.js';

export { asUser, type ServerUser } from '../server-user.js';

const SERVER_OS_USER = 'postgres';

/** The environment for child programs, without PG* variables that could redirect them elsewhere. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  return env;
}

/**
 * Decides who runs initdb/pg_ctl/pg_basebackup: as root, the `postgres` OS user (PostgreSQL refuses root).
 */
export function resolveServerUser(): ServerUser {
  return resolveUser(SERVER_OS_USER);
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
