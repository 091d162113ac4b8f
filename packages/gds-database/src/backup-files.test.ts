import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import { appendFile, lstat, mkdir, mkdtemp, open, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { hostTag, inspectOverwrite, moveIntoPlace, parsePartialName, partialPath, removeStalePartials, sizeOnDisk } from './backup-files.js';
import { ValidationError } from './errors.js';

/** A pid that is certainly gone: a child that ran and was reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('backup files', () => {
  it('partialPath is a fresh hidden name in the target folder', () => {
    const a = partialPath('/backups/app.dump');
    const b = partialPath('/backups/app.dump');
    expect(dirname(a)).toBe('/backups');
    expect(basename(a)).toMatch(new RegExp(`^\\.app\\.dump\\.gds-partial-${process.pid}-[0-9a-f]{8}-[0-9a-f]{8}$`));
    expect(a).not.toBe(b);
    expect(parsePartialName(basename(a))).toEqual({ target: 'app.dump', pid: process.pid, thisHost: true });
    expect(basename(a)).toContain(`-${hostTag()}-`);
    expect(parsePartialName('.app.dump.gds-partial-3f9a1c2e')).toEqual({ target: 'app.dump', thisHost: false });
    expect(parsePartialName('app.dump')).toBeUndefined();
  });

  it('removeStalePartials removes a dead owner\'s partial, keeps a live one, another host\'s and an unowned one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gds-stale-'));
    try {
      const dead = partialPath(join(dir, 'a.dump'), deadPid());
      const deadFolder = partialPath(join(dir, 'b.dir'), deadPid());
      const live = partialPath(join(dir, 'c.dump'), process.ppid);
      const mine = partialPath(join(dir, 'd.dump'));
      const otherHost = join(dir, `.e.dump.gds-partial-${deadPid()}-00000000-12345678`);
      const unowned = join(dir, '.f.dump.gds-partial-0badc0de');
      for (const f of [dead, live, mine, otherHost, unowned]) await writeFile(f, 'x');
      await mkdir(deadFolder);
      await writeFile(join(deadFolder, 'toc.dat'), 'x');
      await writeFile(join(dir, 'keep.dump'), 'x');

      const dry = await removeStalePartials(dir, { dryRun: true });
      expect(dry.removed.sort()).toEqual([dead, deadFolder].sort());
      expect(existsSync(dead)).toBe(true);

      const r = await removeStalePartials(dir);
      expect(r.removed.sort()).toEqual([dead, deadFolder].sort());
      expect(r.messages.filter((m) => m.startsWith('removed stale partial'))).toHaveLength(2);
      expect((await readdir(dir)).sort()).toEqual([basename(live), basename(mine), basename(otherHost), basename(unowned), 'keep.dump'].sort());
      expect(r.kept.map((k) => k.path).sort()).toEqual([live, mine, otherHost, unowned].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('inspectOverwrite accepts a regular file or a recognised backup folder and refuses everything else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gds-over-'));
    const isBackupFolder = async (p: string) => existsSync(join(p, 'toc.dat'));
    try {
      const file = join(dir, 'f.dump');
      await writeFile(file, 'old');
      await expect(inspectOverwrite(file, { isBackupFolder })).rejects.toThrow(/exists; pass overwrite: true/);
      expect(await inspectOverwrite(file, { overwrite: true, isBackupFolder })).toMatchObject({ kind: 'file', sizeBytes: 3 });
      expect(await inspectOverwrite(join(dir, 'new'), { isBackupFolder })).toMatchObject({ kind: 'none' });

      const backupDir = join(dir, 'b.dir');
      await mkdir(backupDir);
      await writeFile(join(backupDir, 'toc.dat'), 'PGDMP');
      expect(await inspectOverwrite(backupDir, { overwrite: true, isBackupFolder })).toMatchObject({ kind: 'backup-folder', sizeBytes: 5 });

      const olderDumps = join(dir, 'older');
      await mkdir(olderDumps);
      await writeFile(join(olderDumps, 'monday.dump'), 'precious');
      await expect(inspectOverwrite(olderDumps, { overwrite: true, isBackupFolder })).rejects.toThrow(/is a folder that is not a backup folder/);

      const link = join(dir, 'link.dump');
      await symlink(file, link);
      await expect(inspectOverwrite(link, { overwrite: true, isBackupFolder })).rejects.toThrow(/symbolic link/);
      const e = await inspectOverwrite('/dev/null', { overwrite: true, isBackupFolder }).catch((err: unknown) => err);
      expect(ValidationError.isInstance(e)).toBe(true);
      expect((e as Error).message).toMatch(/is a device node/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('moveIntoPlace swaps by rename and refuses a target that changed meanwhile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gds-move-'));
    const isBackupFolder = async () => false;
    try {
      const target = join(dir, 'x.dump');
      await writeFile(target, 'old');
      const plan = await inspectOverwrite(target, { overwrite: true, isBackupFolder });
      const temp = partialPath(target);
      await writeFile(temp, 'new');
      await moveIntoPlace(temp, plan);
      expect(await readFile(target, 'utf8')).toBe('new');
      expect(await readdir(dir)).toEqual(['x.dump']);

      const plan2 = await inspectOverwrite(target, { overwrite: true, isBackupFolder });
      await rm(target);
      await writeFile(target, 'someone else');
      const temp2 = partialPath(target);
      await writeFile(temp2, 'newer');
      await expect(moveIntoPlace(temp2, plan2)).rejects.toThrow(/changed while the backup ran/);
      expect(await readFile(target, 'utf8')).toBe('someone else');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('moveIntoPlace never deletes what the plan did not see', () => {
    const isDump = async (p: string) => existsSync(join(p, 'toc.dat'));
    let dir = '';
    afterEach(async () => {
      jest.restoreAllMocks();
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    /** A target (a file, or a folder of `files`), its plan, and a finished new backup at a partial path. */
    async function setUp(files?: Record<string, string>) {
      dir = await mkdtemp(join(tmpdir(), 'gds-fp-'));
      const target = join(dir, files ? 'app.dir' : 'app.dump');
      if (files) {
        await mkdir(target);
        for (const [name, body] of Object.entries(files)) await writeFile(join(target, name), body);
      } else await writeFile(target, 'old backup');
      const plan = await inspectOverwrite(target, { overwrite: true, isBackupFolder: isDump });
      const temp = partialPath(target);
      await writeFile(temp, 'new backup');
      return { target, plan, temp };
    }
    /** The names in the folder other than the target and the partial: an aside copy, if one was left. */
    const leftovers = async (target: string, temp: string) => (await readdir(dir)).filter((n) => n !== basename(target) && n !== basename(temp));
    /** Runs `change` right after moveIntoPlace renamed the target aside (the real rename runs first). */
    function onAside(target: string, change: (aside: string) => Promise<void>) {
      const rename = fsp.rename.bind(fsp);
      jest.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
        await rename(from, to);
        if (from === target && String(to).includes('.gds-old-')) await change(String(to));
      });
    }

    it('keeps a file rewritten in place (same inode, same size, new content, mtime touched)', async () => {
      const { target, plan, temp } = await setUp();
      const ino = (await lstat(target)).ino;
      const h = await open(target, 'r+');
      await h.write('NEW backup', 0); // same length as 'old backup'
      await h.close();
      await utimes(target, new Date(), new Date(Date.now() + 5000));
      expect((await lstat(target)).ino).toBe(ino);
      const e = await moveIntoPlace(temp, plan).catch((err: unknown) => err);
      expect(ValidationError.isInstance(e)).toBe(true);
      expect((e as ValidationError).issues[0]?.message).toContain(target);
      expect((e as ValidationError).issues[0]?.message).toContain(temp);
      expect(await readFile(target, 'utf8')).toBe('NEW backup');
      expect(await readFile(temp, 'utf8')).toBe('new backup');
      expect(await leftovers(target, temp)).toEqual([]);
    });

    it('keeps a file rewritten with its times put back (utimes): its ctime still changed', async () => {
      const { target, temp } = await setUp();
      await utimes(target, 1_700_000_000, 1_700_000_000); // whole seconds, so they can be put back to the nanosecond
      const plan = await inspectOverwrite(target, { overwrite: true, isBackupFolder: isDump });
      const seen = plan.fingerprint?.get('.');
      await new Promise((r) => setTimeout(r, 20)); // the kernel's file clock ticks every few ms
      await writeFile(target, 'OLD BACKUP');
      await utimes(target, 1_700_000_000, 1_700_000_000);
      const now = await lstat(target, { bigint: true });
      expect([now.ino, now.size, now.mtimeNs]).toEqual([seen?.ino, seen?.size, seen?.mtimeNs]);
      expect(now.ctimeNs).not.toBe(seen?.ctimeNs);
      await expect(moveIntoPlace(temp, plan)).rejects.toThrow(/changed while the backup ran/);
      expect(await readFile(target, 'utf8')).toBe('OLD BACKUP');
      expect(await readFile(temp, 'utf8')).toBe('new backup');
      expect(await leftovers(target, temp)).toEqual([]);
    });

    it('keeps a backup folder into which a file was added', async () => {
      const { target, plan, temp } = await setUp({ 'toc.dat': 'PGDMP', '3001.dat': 'rows' });
      await writeFile(join(target, 'notes.txt'), 'mine');
      await expect(moveIntoPlace(temp, plan)).rejects.toThrow(/notes\.txt/);
      expect((await readdir(target)).sort()).toEqual(['3001.dat', 'notes.txt', 'toc.dat']);
      expect(await readFile(join(target, 'notes.txt'), 'utf8')).toBe('mine');
      expect(await readFile(temp, 'utf8')).toBe('new backup');
      expect(await leftovers(target, temp)).toEqual([]);
    });

    it('keeps a backup folder in which a file was changed (same size)', async () => {
      const { target, plan, temp } = await setUp({ 'toc.dat': 'PGDMP', '3001.dat': 'rows' });
      await new Promise((r) => setTimeout(r, 20));
      await writeFile(join(target, '3001.dat'), 'ROWS');
      await expect(moveIntoPlace(temp, plan)).rejects.toThrow(/3001\.dat/);
      expect(await readFile(join(target, '3001.dat'), 'utf8')).toBe('ROWS');
      expect(await readFile(join(target, 'toc.dat'), 'utf8')).toBe('PGDMP');
      expect(await readFile(temp, 'utf8')).toBe('new backup');
      expect(await leftovers(target, temp)).toEqual([]);
    });

    it('keeps a target replaced by a symbolic link, and the file it points to', async () => {
      const { target, plan, temp } = await setUp();
      const elsewhere = join(dir, 'elsewhere');
      await writeFile(elsewhere, 'precious');
      await rm(target);
      await symlink(elsewhere, target);
      await expect(moveIntoPlace(temp, plan)).rejects.toThrow(/changed while the backup ran/);
      expect((await lstat(target)).isSymbolicLink()).toBe(true);
      expect(await readFile(elsewhere, 'utf8')).toBe('precious');
      expect(await readFile(temp, 'utf8')).toBe('new backup');
      expect((await leftovers(target, temp)).sort()).toEqual(['elsewhere']);
    });

    it('refuses when the target was removed, keeping the new backup at its partial path', async () => {
      const { target, plan, temp } = await setUp();
      await rm(target);
      await expect(moveIntoPlace(temp, plan)).rejects.toThrow(/changed while the backup ran/);
      expect(existsSync(target)).toBe(false);
      expect(await readFile(temp, 'utf8')).toBe('new backup');
      expect(await leftovers(target, temp)).toEqual([]);
    });

    it('puts a folder back when an entry changed after it was moved aside', async () => {
      const { target, plan, temp } = await setUp({ 'toc.dat': 'PGDMP', '3001.dat': 'rows' });
      onAside(target, (aside) => appendFile(join(aside, '3001.dat'), ' and more'));
      await expect(moveIntoPlace(temp, plan)).rejects.toThrow(/3001\.dat/);
      expect(await readFile(join(target, '3001.dat'), 'utf8')).toBe('rows and more');
      expect(await readFile(temp, 'utf8')).toBe('new backup');
      expect(await leftovers(target, temp)).toEqual([]);
    });

    it('leaves the aside copy where it is, and names it, when the target re-appeared before the put-back', async () => {
      const { target, plan, temp } = await setUp();
      let asidePath = '';
      onAside(target, async (aside) => {
        asidePath = aside;
        await appendFile(aside, ' edited');
        await writeFile(target, 'someone else');
      });
      const e = await moveIntoPlace(temp, plan).catch((err: unknown) => err);
      expect(ValidationError.isInstance(e)).toBe(true);
      expect((e as ValidationError).issues[0]?.message).toContain(asidePath);
      expect(await readFile(target, 'utf8')).toBe('someone else');
      expect(await readFile(asidePath, 'utf8')).toBe('old backup edited');
      expect(await readFile(temp, 'utf8')).toBe('new backup');
      expect(await leftovers(target, temp)).toEqual([basename(asidePath)]);
    });

    it('moves nothing onto a target that re-appeared after the old one was moved aside', async () => {
      const { target, plan, temp } = await setUp();
      let asidePath = '';
      onAside(target, async (aside) => {
        asidePath = aside;
        await writeFile(target, 'someone else');
      });
      await expect(moveIntoPlace(temp, plan)).rejects.toThrow(/could not be moved .*re-appeared .*left at/);
      expect(await readFile(target, 'utf8')).toBe('someone else');
      expect(await readFile(asidePath, 'utf8')).toBe('old backup');
      expect(await readFile(temp, 'utf8')).toBe('new backup');
      expect(await leftovers(target, temp)).toEqual([basename(asidePath)]);
    });

    it('puts the original back exactly when the new backup cannot be moved in', async () => {
      const { target, plan, temp } = await setUp({ 'toc.dat': 'PGDMP' });
      const before = await lstat(target);
      await rm(temp);
      await expect(moveIntoPlace(temp, plan)).rejects.toThrow();
      expect((await lstat(target)).ino).toBe(before.ino);
      expect(await readdir(target)).toEqual(['toc.dat']);
      expect(await readdir(dir)).toEqual([basename(target)]);
    });

    it('replaces an unchanged folder, removing only the old one', async () => {
      const { target, plan, temp } = await setUp({ 'toc.dat': 'PGDMP', '3001.dat': 'rows' });
      await moveIntoPlace(temp, plan);
      expect(await readFile(target, 'utf8')).toBe('new backup');
      expect(await readdir(dir)).toEqual([basename(target)]);
    });
  });

  it('sizeOnDisk sums a directory tree, reads a file, and is 0 for nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gds-size-'));
    try {
      await mkdir(join(dir, 'sub'));
      await writeFile(join(dir, 'a'), 'x'.repeat(100));
      await writeFile(join(dir, 'sub', 'b'), 'y'.repeat(23));
      expect(await sizeOnDisk(dir)).toBe(123);
      expect(await sizeOnDisk(join(dir, 'a'))).toBe(100);
      expect(await sizeOnDisk(join(dir, 'missing'))).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
