// Issue 12, data loss, backup side: overwrite replaces only what is a backup, by rename after
// success; partial files name their owner and a later backup removes a dead owner's. Checked on
// disk (files, inodes, processes) after backups of a real PostgreSQL 15.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager, ValidationError } from '@gds/database';
import { partialPath } from '@gds/database/engine';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLDatabase } from '../src/index.js';
import { seed } from './helpers.js';

let cluster: PostgresCluster;
let manager: DatabaseManager;
let dir: string;
const db = (name: string) => manager.getDatabase(name) as PostgreSQLDatabase;
const children: ChildProcess[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
  dir = await mkdtemp(join(tmpdir(), 'gds-pg-backup-safety-'));
  await db('src').create();
  await seed(db('src'), 500);
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await manager?.close();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

async function folder(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  return path;
}

describe('item 5: backup overwrite replaces only a regular file or a pg_dump directory backup, by rename after success', () => {
  it('a folder holding older dumps is refused and keeps every file', async () => {
    const f = await folder('older');
    const keep = join(f, 'backups');
    await mkdir(keep);
    await writeFile(join(keep, 'monday.dump'), 'monday');
    await writeFile(join(keep, 'tuesday.dump'), 'tuesday');
    const e = await db('src').backup(keep, { overwrite: true }).catch((err: unknown) => err);
    expect(ValidationError.isInstance(e)).toBe(true);
    expect((e as Error).message).toMatch(/is a folder that is not a pg_dump directory-format backup/);
    expect(readdirSync(keep).sort()).toEqual(['monday.dump', 'tuesday.dump']);
    expect(await readFile(join(keep, 'monday.dump'), 'utf8')).toBe('monday');
    expect(readdirSync(f)).toEqual(['backups']);
    // a folder with a toc.dat but other files too is not a pg_dump backup either
    await writeFile(join(keep, 'toc.dat'), 'PGDMP');
    await expect(db('src').backup(keep, { overwrite: true, format: 'directory' })).rejects.toThrow(/is a folder that is not/);
    expect(readdirSync(keep).sort()).toEqual(['monday.dump', 'toc.dat', 'tuesday.dump']);
  }, 60_000);

  it('a symbolic link to a file elsewhere is refused; the link and its target stay', async () => {
    const f = await folder('links');
    const elsewhere = join(await folder('elsewhere'), 'important.txt');
    await writeFile(elsewhere, 'important');
    const link = join(f, 'app.dump');
    await symlink(elsewhere, link);
    await expect(db('src').backup(link, { overwrite: true })).rejects.toThrow(/symbolic link/);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(elsewhere);
    expect(await readFile(elsewhere, 'utf8')).toBe('important');
  }, 60_000);

  it('a device node or a FIFO is refused and stays what it was', async () => {
    const f = await folder('nodes');
    const fifo = join(f, 'pipe.dump');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await expect(db('src').backup(fifo, { overwrite: true })).rejects.toThrow(/is a FIFO/);
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    if (process.getuid?.() !== 0) {
      console.log('device-node case skipped: mknod needs root');
      return;
    }
    const device = join(f, 'null.dump');
    expect(spawnSync('mknod', [device, 'c', '1', '3']).status).toBe(0);
    const e = await db('src').backup(device, { overwrite: true }).catch((err: unknown) => err);
    expect((e as Error).message).toMatch(/is a device node/);
    const st = await lstat(device);
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe((await stat('/dev/null')).rdev);
  }, 60_000);

  it('a regular file is replaced by rename only after pg_dump succeeded; a failed backup leaves the old file', async () => {
    const f = await folder('file');
    const target = join(f, 'app.dump');
    await writeFile(target, 'yesterday');
    const inode = (await stat(target)).ino;
    const dry = await db('src').backup(target, { overwrite: true, dryRun: true });
    expect(dry.message).toMatch(/replaces the regular file .*app\.dump \(9 bytes\)/);
    expect(dry.messages.some((m) => m.includes(`would remove ${target}`))).toBe(true);
    expect(await readFile(target, 'utf8')).toBe('yesterday');

    // a pg_dump that fails after writing part of its output
    const bin = await folder('bin');
    await writeFile(join(bin, 'pg_dump'), '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 99.0"; exit 0; fi\nfor a; do case "$a" in --file=*) echo partial > "${a#--file=}";; esac; done\nexit 1\n');
    await chmod(join(bin, 'pg_dump'), 0o755);
    await expect(db('src').backup(target, { overwrite: true, binDir: bin })).rejects.toThrow(/pg_dump failed/);
    expect(await readFile(target, 'utf8')).toBe('yesterday');
    expect(readdirSync(f)).toEqual(['app.dump']);

    const r = await db('src').backup(target, { overwrite: true });
    expect(r.messages.some((m) => m.startsWith(`replaced the file ${target}`))).toBe(true);
    expect((await readFile(target)).subarray(0, 5).toString()).toBe('PGDMP');
    expect((await stat(target)).ino).not.toBe(inode);
    expect(readdirSync(f)).toEqual(['app.dump']);
  }, 60_000);

  it('a pg_dump directory-format backup is replaced by a new one', async () => {
    const f = await folder('dirdump');
    const target = join(f, 'app.dir');
    await db('src').backup(target, { format: 'directory' });
    const oldToc = await readFile(join(target, 'toc.dat'));
    await new Promise((r) => setTimeout(r, 1_100)); // the dump's timestamp changes
    const r = await db('src').backup(target, { format: 'directory', overwrite: true });
    expect(r.messages.some((m) => m.startsWith(`replaced the directory-format backup ${target}`))).toBe(true);
    expect(await readFile(join(target, 'toc.dat'))).not.toEqual(oldToc);
    expect(readdirSync(f)).toEqual(['app.dir']);
    expect((await db('src').verifyBackup(target)).data?.valid).toBe(true);
  }, 60_000);
});

describe('item 6 (stale partials): partial files name their owner; the next backup removes a dead owner\'s', () => {
  it('after kill -9 of the owning process its partial is removed by the next backup; a live owner\'s stays', async () => {
    const f = await folder('stale');
    const coreEntry = join(__dirname, '..', '..', 'gds-database', 'dist', 'engine.js'); // the built core's engine entry, as an engine runs it
    // a process that makes a partial the way a backup does, then hangs until killed
    const script = `const { partialPath } = await import(${JSON.stringify(pathToFileURL(coreEntry).href)}); const fs = await import('node:fs');
      const p = partialPath(process.argv[1]); fs.writeFileSync(p, 'x'.repeat(1e6)); console.log(p); setInterval(() => {}, 1e6);`;
    const start = async (): Promise<{ child: ChildProcess; partial: string }> => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, join(f, 'app.dump')], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      const partial = await new Promise<string>((resolve, reject) => {
        child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()));
        child.once('exit', (code) => reject(new Error(`the partial-writing child exited with ${code}`)));
      });
      return { child, partial };
    };
    const dead = await start();
    const live = await start();
    expect(dead.partial).toMatch(new RegExp(`\\.app\\.dump\\.gds-partial-${dead.child.pid}-[0-9a-f]{8}-[0-9a-f]{8}$`));
    dead.child.kill('SIGKILL');
    await new Promise((r) => dead.child.once('exit', r));
    expect(existsSync(dead.partial)).toBe(true);
    const unowned = join(f, '.old.dump.gds-partial-0badc0de');
    await writeFile(unowned, 'x');

    const dry = await db('src').backup(join(f, 'other.dump'), { dryRun: true });
    expect(dry.messages).toContain(`would remove stale partial backup ${dead.partial} (its process ${dead.child.pid} is gone)`);
    expect(existsSync(dead.partial)).toBe(true);

    const r = await db('src').backup(join(f, 'other.dump'));
    expect(r.messages).toContain(`removed stale partial backup ${dead.partial} (its process ${dead.child.pid} is gone)`);
    expect(r.messages).toContain(`left partial backup ${live.partial} alone: its process ${live.child.pid} is running`);
    expect(r.messages.some((m) => m.startsWith(`left partial backup ${unowned} alone`))).toBe(true);
    expect(existsSync(dead.partial)).toBe(false);
    expect(existsSync(live.partial)).toBe(true);
    expect(readdirSync(f).sort()).toEqual([live.partial.slice(f.length + 1), '.old.dump.gds-partial-0badc0de', 'other.dump'].sort());
    expect(partialPath(join(f, 'x'))).toContain(`.gds-partial-${process.pid}-`);
    live.child.kill('SIGKILL');
  }, 60_000);
});
