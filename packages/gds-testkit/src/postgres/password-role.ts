import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanEnv } from './run-command.js';
import type { PostgresCluster } from './start-postgres.js';

/** A login role that must give a password, made by {@link addPasswordRole}. */
export interface PasswordRole {
  readonly user: string;
  readonly password: string;
  /** A URL without the password (give it another way), for `database` (default 'postgres'). */
  url(database?: string): string;
}

/**
 * Adds a superuser login role `user` with `password` to the cluster's primary and makes the
 * server ask it for a password (`scram-sha-256` by default, or `md5`): a `pg_hba.conf` line for
 * that role alone goes first, so the cluster's other roles keep `trust`. The SQL goes to psql on
 * stdin, so the password is on no command line.
 *
 * ### Examples
 * ```ts
 * const role = await addPasswordRole(pg, { user: 'app', password: 's3cret' });
 * // postgres://app@127.0.0.1:<port>/postgres now fails without the password
 * ```
 */
export async function addPasswordRole(cluster: PostgresCluster, options: { user: string; password: string; method?: 'scram-sha-256' | 'md5' }): Promise<PasswordRole> {
  const { user, password } = options;
  const method = options.method ?? 'scram-sha-256';
  if (!/^[a-z_][a-z0-9_]*$/.test(user)) throw new Error(`addPasswordRole: user must be a plain lower-case identifier, got ${JSON.stringify(user)}`);
  const psql = cluster.binaries.psql ?? '/usr/bin/psql';
  const node = cluster.primary;
  const literal = `'${password.replace(/'/g, "''")}'`;
  const sql = `set password_encryption = '${method}';\ncreate role ${user} login superuser password ${literal};\n`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(psql, ['-X', '-w', '-q', '-v', 'ON_ERROR_STOP=1', '-h', node.host, '-p', String(node.port), '-U', node.user, '-d', 'postgres', '-f', '-'], { env: cleanEnv(), stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`addPasswordRole: psql exited ${code}: ${stderr.trim()}`))));
    child.stdin.end(sql);
  });
  const hba = join(node.dataDir, 'pg_hba.conf');
  const before = await readFile(hba, 'utf8');
  await writeFile(hba, `host all ${user} 127.0.0.1/32 ${method}\nlocal all ${user} ${method}\n${before}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(psql, ['-X', '-w', '-q', '-h', node.host, '-p', String(node.port), '-U', node.user, '-d', 'postgres', '-c', 'select pg_reload_conf()'], { env: cleanEnv(), stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`addPasswordRole: pg_reload_conf failed (${code})`))));
  });
  await new Promise((r) => setTimeout(r, 200)); // the postmaster re-reads pg_hba.conf on SIGHUP
  return { user, password, url: (database = 'postgres') => `postgres://${user}@${node.host}:${node.port}/${encodeURIComponent(database)}` };
}
