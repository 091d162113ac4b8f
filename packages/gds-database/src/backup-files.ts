/**
 * Helpers for engines whose backups are files on this machine (PostgreSQL's pg_dump, MongoDB's
 * native dump): a backup is written under a temporary name next to its target and renamed into
 * place only when it is complete, so a failed or cancelled backup never leaves a partial file
 * under the name the user asked for; its size is read from disk (a file or a directory).
 *
 * - Partial names carry their owner: `.<name>.gds-partial-<pid>-<host>-<random>` (`<host>` is 8 hex
 *   digits of this machine's hostname hash). A later backup into the same folder removes the
 *   partials of this host whose process is gone ({@link removeStalePartials}); a live owner's, another
 *   host's (a shared NFS folder) and old unowned names are left alone and only reported. A pid reused
 *   by an unrelated process keeps its partial (the safe side).
 * - Overwriting: {@link inspectOverwrite} accepts only a regular file, or a folder the engine
 *   recognises as one of its own backups; symbolic links, devices, sockets, FIFOs and other folders
 *   are refused. {@link moveIntoPlace} renames the old one aside, the new one in, then removes the
 *   old one (a failure puts the old one back).
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ValidationError } from './errors.js';

const HOST_TAG = createHash('sha1').update(hostname()).digest('hex').slice(0, 8);

/**
 * 8 hex digits naming this host in partial names (a hash of its hostname), so that a process on
 * another machine sharing the folder is never taken for a dead one here.
 *
 * ### Examples
 * ```ts
 * hostTag(); // '1a2b3c4d'
 * ```
 */
export function hostTag(): string {
  return HOST_TAG;
}

/**
 * A fresh temporary path next to `target` (same folder, so the final rename is atomic), hidden,
 * marked `.gds-partial-` and named after its owner (this process and host).
 *
 * ### Examples
 * ```ts
 * partialPath('/backups/app.dump'); // '/backups/.app.dump.gds-partial-4242-1a2b3c4d-3f9a1c2e'
 * ```
 */
export function partialPath(target: string, pid: number = process.pid): string {
  return join(dirname(target), `.${basename(target)}.gds-partial-${pid}-${HOST_TAG}-${randomBytes(4).toString('hex')}`);
}

/** The owner of a partial backup, read from its name. */
export interface PartialOwner {
  /** The name of the backup it was to become. */
  target: string;
  /** The owner's pid, when the name has one (names before owner tagging have none). */
  pid?: number;
  /** Whether the owner ran on this host. */
  thisHost: boolean;
}

/**
 * Reads a partial backup's owner from its file name, or `undefined` for any other name.
 *
 * ### Examples
 * ```ts
 * parsePartialName('.app.dump.gds-partial-4242-1a2b3c4d-3f9a1c2e'); // { target: 'app.dump', pid: 4242, thisHost: ... }
 * ```
 */
export function parsePartialName(name: string): PartialOwner | undefined {
  const owned = /^\.(.+)\.gds-partial-(\d{1,10})-([0-9a-f]{8})-[0-9a-f]{8}$/.exec(name);
  if (owned) return { target: owned[1]!, pid: Number(owned[2]), thisHost: owned[3] === HOST_TAG };
  const legacy = /^\.(.+)\.gds-partial-[0-9a-f]{8}$/.exec(name);
  if (legacy) return { target: legacy[1]!, thisHost: false };
  return undefined;
}

/**
 * Whether process `pid` exists on this host (a process of another user counts as alive).
 *
 * ### Examples
 * ```ts
 * processAlive(process.pid); // true
 * ```
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What {@link removeStalePartials} did, one line per partial it saw. */
export interface StalePartialReport {
  /** Partials removed because their owner process is gone. */
  removed: string[];
  /** Partials left alone, each with why (live owner, another host, no owner in the name, removal failed). */
  kept: { path: string; reason: string }[];
  /** One line per partial, for a result's messages. */
  messages: string[];
}

/**
 * Finds the partial backups in `folder` and removes those written on this host by a process that
 * is gone (killed with `kill -9`, or a power cut); with `dryRun` only says what it would remove.
 *
 * ### Examples
 * ```ts
 * const { messages } = await removeStalePartials('/backups');
 * for (const m of messages) ctx.message(m);
 * ```
 */
export async function removeStalePartials(folder: string, options: { dryRun?: boolean; isAlive?: (pid: number) => boolean } = {}): Promise<StalePartialReport> {
  const alive = options.isAlive ?? processAlive;
  const report: StalePartialReport = { removed: [], kept: [], messages: [] };
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    return report;
  }
  for (const name of names) {
    const owner = parsePartialName(name);
    if (!owner) continue;
    const path = join(folder, name);
    const keep = (reason: string) => {
      report.kept.push({ path, reason });
      report.messages.push(`left partial backup ${path} alone: ${reason}`);
    };
    if (owner.pid === undefined) keep('its name has no owner process (written by an older gds); remove it by hand if no backup is running');
    else if (!owner.thisHost) keep(`written on another host (pid ${owner.pid} there)`);
    else if (owner.pid === process.pid || alive(owner.pid)) keep(`its process ${owner.pid} is running`);
    else if (options.dryRun) {
      report.removed.push(path);
      report.messages.push(`would remove stale partial backup ${path} (its process ${owner.pid} is gone)`);
    } else {
      try {
        await fs.rm(path, { recursive: true, force: true });
        report.removed.push(path);
        report.messages.push(`removed stale partial backup ${path} (its process ${owner.pid} is gone)`);
      } catch (error) {
        keep(`removal failed: ${(error as Error).message}`);
      }
    }
  }
  return report;
}

/** What is at a backup's target before it is written, once {@link inspectOverwrite} accepted it. */
export interface OverwritePlan {
  /** `none`: nothing there; `file`: a regular file; `backup-folder`: a folder the engine recognised as its backup. */
  kind: 'none' | 'file' | 'backup-folder';
  /** The target path. */
  path: string;
  /** Its size in bytes (0 when nothing is there). */
  sizeBytes: number;
  /** For people and dry runs, e.g. `replaces the regular file /b/app.dump (1234 bytes)`. */
  description: string;
  /** The inode it was, checked again right before it is moved aside. */
  stat?: Stats;
}

/**
 * Checks what `overwrite` would replace at `target`: nothing, a regular file, or a folder for which
 * `isBackupFolder` says yes; anything else (a symbolic link, a device node, a socket, a FIFO, a
 * folder of other files) is refused with a ValidationError, and so is any existing target without
 * `overwrite`.
 *
 * ### Examples
 * ```ts
 * const plan = await inspectOverwrite('/b/app.dump', { overwrite: true, isBackupFolder: async (p) => false, engine: 'postgresql' });
 * plan.description; // 'replaces the regular file /b/app.dump (1234 bytes)'
 * ```
 */
export async function inspectOverwrite(
  target: string,
  options: { overwrite?: boolean; isBackupFolder: (path: string) => Promise<boolean>; engine?: string; folderKind?: string },
): Promise<OverwritePlan> {
  const stat = await fs.lstat(target).catch(() => undefined);
  if (!stat) return { kind: 'none', path: target, sizeBytes: 0, description: `writes the new ${target}` };
  const refuse = (message: string, hint?: string): never => {
    throw new ValidationError('Invalid backup target', [{ path: '/target', message }], { engine: options.engine, operation: 'backup', hint });
  };
  if (!options.overwrite) refuse(`${target} exists; pass overwrite: true to replace it`, 'choose a new file name, or pass overwrite: true');
  if (stat.isSymbolicLink()) refuse(`${target} is a symbolic link (to ${await fs.readlink(target).catch(() => '?')}); gds does not replace links or what they point to`, 'remove the link, or back up to the path it points to');
  if (stat.isFile()) return { kind: 'file', path: target, sizeBytes: stat.size, stat, description: `replaces the regular file ${target} (${stat.size} bytes)` };
  if (stat.isDirectory()) {
    if (await options.isBackupFolder(target)) {
      const size = await sizeOnDisk(target);
      return { kind: 'backup-folder', path: target, sizeBytes: size, stat, description: `replaces the ${options.folderKind ?? 'backup folder'} ${target} (${size} bytes)` };
    }
    refuse(`${target} is a folder that is not a ${options.folderKind ?? 'backup folder'} (it may hold other files); overwrite replaces only a regular file or such a backup`, 'back up to a new path inside the folder');
  }
  const kind = stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device node' : stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : 'not a regular file';
  return refuse(`${target} is ${kind}; overwrite replaces only a regular file or a backup folder`);
}

/**
 * Puts the finished backup `temp` at `plan.path`: with something there, renames it aside
 * (`.<name>.gds-old-<pid>-...`), renames `temp` in, then removes the old one; if the rename in fails
 * the old one is put back. Refuses when the target changed since {@link inspectOverwrite}.
 *
 * ### Examples
 * ```ts
 * await moveIntoPlace('/b/.app.dump.gds-partial-1-2-3', plan);
 * ```
 */
export async function moveIntoPlace(temp: string, plan: OverwritePlan): Promise<void> {
  const target = plan.path;
  if (plan.kind === 'none') {
    const now = await fs.lstat(target).catch(() => undefined);
    if (now) throw new ValidationError('Invalid backup target', [{ path: '/target', message: `${target} appeared while the backup ran; the new backup is kept at ${temp}` }], { operation: 'backup' });
    await fs.rename(temp, target);
    return;
  }
  const now = await fs.lstat(target).catch(() => undefined);
  if (!now || !plan.stat || now.ino !== plan.stat.ino || now.dev !== plan.stat.dev) {
    throw new ValidationError('Invalid backup target', [{ path: '/target', message: `${target} changed while the backup ran; nothing was replaced and the new backup is kept at ${temp}` }], { operation: 'backup' });
  }
  const aside = join(dirname(target), `.${basename(target)}.gds-old-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.rename(target, aside);
  try {
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rename(aside, target).catch(() => undefined);
    throw error;
  }
  await fs.rm(aside, { recursive: plan.kind === 'backup-folder', force: true });
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
