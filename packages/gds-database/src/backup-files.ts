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
 *   are refused. It records a fingerprint (type, dev, inode, size, mtime and ctime in nanoseconds) of
 *   the target and of every entry inside a backup folder. {@link moveIntoPlace} removes the old one
 *   only when it is still exactly what was fingerprinted; anything else is put back and the new
 *   backup stays at its partial path.
 * - Limits: a write through a file handle opened before the final check, landing in the few
 *   microseconds between that check and the removal, is not seen (no portable lock exists). A file
 *   rewritten with the same size and its times put back is seen through its ctime, which only the
 *   kernel sets, unless that happened within the same tick of the kernel's file clock (a few
 *   milliseconds) as the inspection. A rename sets the renamed entry's ctime, so the aside copy's own
 *   ctime is checked before the rename, not after.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, type BigIntStats } from 'node:fs';
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
  /**
   * What was there, by path relative to the target (`.` is the target itself, then every entry of
   * a backup folder, recursively); checked again before anything is removed.
   */
  fingerprint?: ReadonlyMap<string, EntryFingerprint>;
}

/** One file system entry as {@link inspectOverwrite} saw it (from `lstat`, in nanoseconds). */
export interface EntryFingerprint {
  type: 'file' | 'folder' | 'link' | 'other';
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

function entryFingerprint(stat: BigIntStats): EntryFingerprint {
  const type = stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : stat.isSymbolicLink() ? 'link' : 'other';
  return { type, dev: stat.dev, ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs };
}

/**
 * Fingerprints `path` and, for a folder, every entry under it (links are not followed); empty
 * when nothing is there.
 *
 * ### Examples
 * ```ts
 * const seen = await fingerprint('/b/app.dir'); // Map { '.' => {...}, 'toc.dat' => {...}, ... }
 * ```
 */
export async function fingerprint(path: string): Promise<Map<string, EntryFingerprint>> {
  const result = new Map<string, EntryFingerprint>();
  const walk = async (relative: string): Promise<void> => {
    const stat = await fs.lstat(join(path, relative), { bigint: true }).catch(() => undefined);
    if (!stat) return;
    result.set(relative, entryFingerprint(stat));
    if (stat.isDirectory()) for (const name of (await fs.readdir(join(path, relative))).sort()) await walk(relative === '.' ? name : join(relative, name));
  };
  await walk('.');
  return result;
}

/**
 * What differs between two fingerprints, one phrase per entry (at most `limit`); `movedTarget`
 * ignores the target's own ctime, which a rename sets.
 */
function differences(seen: ReadonlyMap<string, EntryFingerprint>, now: ReadonlyMap<string, EntryFingerprint>, movedTarget: boolean, limit = 5): string[] {
  const name = (relative: string) => (relative === '.' ? 'the target itself' : relative);
  const found: string[] = [];
  for (const [relative, before] of seen) {
    const after = now.get(relative);
    if (!after) found.push(`${name(relative)} was removed`);
    else {
      const fields = (['type', 'dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'] as const).filter((f) => before[f] !== after[f] && !(movedTarget && relative === '.' && f === 'ctimeNs'));
      if (fields.length) found.push(`${name(relative)} changed (${fields.join(', ')})`);
    }
  }
  for (const relative of now.keys()) if (!seen.has(relative)) found.push(`${name(relative)} was added`);
  return found.length > limit ? [...found.slice(0, limit), `${found.length - limit} more`] : found;
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
  const seen = await fingerprint(target);
  const refuse = (message: string, hint?: string): never => {
    throw new ValidationError('Invalid backup target', [{ path: '/target', message }], { engine: options.engine, operation: 'backup', hint });
  };
  if (!options.overwrite) refuse(`${target} exists; pass overwrite: true to replace it`, 'choose a new file name, or pass overwrite: true');
  if (stat.isSymbolicLink()) refuse(`${target} is a symbolic link (to ${await fs.readlink(target).catch(() => '?')}); gds does not replace links or what they point to`, 'remove the link, or back up to the path it points to');
  if (stat.isFile()) return { kind: 'file', path: target, sizeBytes: stat.size, fingerprint: seen, description: `replaces the regular file ${target} (${stat.size} bytes)` };
  if (stat.isDirectory()) {
    if (await options.isBackupFolder(target)) {
      const size = await sizeOnDisk(target);
      return { kind: 'backup-folder', path: target, sizeBytes: size, fingerprint: seen, description: `replaces the ${options.folderKind ?? 'backup folder'} ${target} (${size} bytes)` };
    }
    refuse(`${target} is a folder that is not a ${options.folderKind ?? 'backup folder'} (it may hold other files); overwrite replaces only a regular file or such a backup`, 'back up to a new path inside the folder');
  }
  const kind = stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device node' : stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : 'not a regular file';
  return refuse(`${target} is ${kind}; overwrite replaces only a regular file or a backup folder`);
}

/**
 * Puts the finished backup `temp` at `plan.path`. With something there it checks the target
 * against the plan's fingerprint, renames it aside (`.<name>.gds-old-<pid>-...`), checks the
 * aside copy again (every entry of a folder), renames `temp` in and only then removes the aside
 * copy. Whatever differs from the plan (rewritten in place, times put back, an entry added, changed
 * or removed, replaced by a link, gone) is put back where it was and a ValidationError names the
 * target and the new backup, which stays at `temp`; if something re-appeared at the target
 * meanwhile, the aside copy stays where it is and the error names it. If `temp` cannot be moved
 * in, the old one is put back and the error is rethrown. Nothing is ever moved onto an existing
 * file.
 *
 * ### Examples
 * ```ts
 * await moveIntoPlace('/b/.app.dump.gds-partial-1-2-3', plan);
 * ```
 */
export async function moveIntoPlace(temp: string, plan: OverwritePlan): Promise<void> {
  const target = plan.path;
  const refuse = (what: string): never => {
    throw new ValidationError('Invalid backup target', [{ path: '/target', message: `${target} ${what}; the new backup is kept at ${temp}` }], { operation: 'backup' });
  };
  if (plan.kind === 'none') {
    await renameNoReplace(temp, target).catch((error: unknown) => (codeOf(error) === 'EEXIST' ? refuse('appeared while the backup ran') : Promise.reject(error)));
    return;
  }
  const seen = plan.fingerprint ?? new Map<string, EntryFingerprint>();
  const before = differences(seen, await fingerprint(target), false);
  if (before.length || !seen.size) refuse(`changed while the backup ran (${before.join('; ') || 'no fingerprint'}); nothing was replaced`);
  const aside = join(dirname(target), `.${basename(target)}.gds-old-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.rename(target, aside);
  const after = differences(seen, await fingerprint(aside), true);
  if (after.length) refuse(`changed while the backup ran (${after.join('; ')}); ${(await putBack(aside, target)).message}`);
  try {
    await renameNoReplace(temp, target);
  } catch (error) {
    const back = await putBack(aside, target);
    if (back.restored) throw error;
    throw new ValidationError('Invalid backup target', [{ path: '/target', message: `the new backup could not be moved to ${target} (${(error as Error).message}); ${back.message}` }], { operation: 'backup', cause: error });
  }
  await fs.rm(aside, { recursive: plan.kind === 'backup-folder', force: true });
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Moves the aside copy back to `target` unless something is there now; says where it is. */
async function putBack(aside: string, target: string): Promise<{ restored: boolean; message: string }> {
  try {
    await renameNoReplace(aside, target);
    return { restored: true, message: 'it was put back as it is now' };
  } catch (error) {
    const why = codeOf(error) === 'EEXIST' ? `something re-appeared at ${target} meanwhile` : `putting it back failed (${(error as Error).message})`;
    return { restored: false, message: `${why}, so what was there is left at ${aside}` };
  }
}

/** `link` is refused on some file systems or by `fs.protected_hardlinks`; then a checked rename. */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EACCES']);

/**
 * Renames `from` to `to` but never onto something (EEXIST instead): a file by `link` + `unlink`,
 * which the kernel refuses atomically when `to` exists; a folder by `rename` after a check (a
 * rename onto a non-empty folder or a file fails by itself).
 */
async function renameNoReplace(from: string, to: string): Promise<void> {
  const exists = async () => (await fs.lstat(to).catch(() => undefined)) !== undefined;
  const eexist = () => Object.assign(new Error(`${to} exists`), { code: 'EEXIST' });
  if (await exists()) throw eexist();
  if (!(await fs.lstat(from)).isDirectory()) {
    try {
      await fs.link(from, to);
      await fs.unlink(from);
      return;
    } catch (error) {
      if (!LINK_UNSUPPORTED.has(codeOf(error) ?? '')) throw error;
      if (await exists()) throw eexist();
    }
  }
  await fs.rename(from, to);
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
