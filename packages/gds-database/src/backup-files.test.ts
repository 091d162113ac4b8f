import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
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
