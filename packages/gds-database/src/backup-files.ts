/**
 * Helpers for engines whose backups are files on this machine (PostgreSQL's pg_dump, MongoDB's
 * native dump): a backup is written under a temporary name next to its target and renamed into
 * place only when it is complete, so a failed or cancelled backup never leaves a partial file
 * under the name the user asked for; its size is read from disk (a file or a directory).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * A fresh temporary path next to `target` (same folder, so the final rename is atomic), hidden
 * and marked `.gds-partial-`.
 *
 * ### Examples
 * ```ts
 * partialPath('/backups/app.dump'); // '/backups/.app.dump.gds-partial-3f9a1c2e'
 * ```
 */
export function partialPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.gds-partial-${randomBytes(4).toString('hex')}`);
}

/**
 * Bytes on disk at `path`: a file's size, or the sum over a directory's files; 0 when missing.
 *
 * ### Examples
 * ```ts
 * const sizeBytes = await sizeOnDisk('/backups/app.dir'); // a pg_dump directory-format backup
 * ```
 */
export async function sizeOnDisk(path: string): Promise<number> {
  const stat = await fs.stat(path).catch(() => undefined);
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of await fs.readdir(path)) total += await sizeOnDisk(join(path, entry));
  return total;
}
