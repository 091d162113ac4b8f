// `gds demo --engine sqlite` (issue 18, "Tests and the demo") runs end to end as a real
// subprocess on SQLite files: no server, no root, a few seconds, and nothing left on the disk or
// running afterwards (also when interrupted with Ctrl-C). Each run gets its own TMPDIR, so the
// folder the demo made (and removed) is the only thing that could be in it.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from '@jest/globals';
import { built, gds, root, skipLine } from './helpers.js';

const sqliteBuilt = built && readdirSync(join(__dirname, '..', '..')).includes('gds-sqlite') && readdirSync(join(__dirname, '..', '..', 'gds-sqlite')).includes('dist');

/** The processes (other than this one) whose environment holds `marker` (each run's TMPDIR): what the demo could have left running. */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/environ`, 'latin1').includes(marker);
      } catch {
        return false; // gone meanwhile, or another user's
      }
    })
    .map(Number);
}

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});
function ownTmp(): string {
  const t = mkdtempSync(join(tmpdir(), 'gds-demo-sqlite-test-'));
  temps.push(t);
  return t;
}

const STEPS = 9;

if (!sqliteBuilt) skipLine('gds demo --engine sqlite tests (the CLI or the SQLite engine)');
(sqliteBuilt ? describe : describe.skip)('gds demo --engine sqlite (subprocess, SQLite files, no server)', () => {
  it('runs every step of the main job in a few seconds and leaves nothing on the disk or running', async () => {
    const tmp = ownTmp();
    const started = performance.now();
    let pid: number | undefined;
    const { code, stdout, stderr } = await gds(['demo', '--engine', 'sqlite'], { env: { TMPDIR: tmp }, onSpawn: (child) => (pid = child.pid) });
    const ms = performance.now() - started;
    expect(stderr).toBe('');
    expect(stdout).toMatch(new RegExp(`${STEPS} steps passed, 0 failed`));
    expect(stdout).not.toMatch(/✗/);
    for (const title of ['create a sample database', 'inventory', 'back up with progress', 'verify the backup', 'restore into a copy', 'maintenance', 'clean up']) {
      expect(stdout).toMatch(new RegExp(`✓ ${title}`));
    }
    expect(stdout).toMatch(/orders: 200000 rows, sum [\d.]+ in both/);
    expect(stdout).toMatch(/… 100% (\d+)\/\1 pages/);
    expect(stdout).toMatch(/is a valid SQLite database \(integrity_check ok/);
    for (const command of ['vacuum', 'analyze', 'optimize', 'check', 'checkpoint']) expect(stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    // the engine's declared reasons for what a file cannot do
    expect(stdout).toMatch(/^ {2}state\.offline +an SQLite database is a file/m);
    expect(stdout).toMatch(/^ {2}ha +SQLite is an embedded library.*Litestream/m);
    expect(code).toBe(0);
    // the folder it worked in was under our TMPDIR, and it is gone
    const folder = /sqlite:\/\/(\S+)\/databases/.exec(stdout)?.[1];
    expect(folder?.startsWith(tmp)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
    expect(pid).toBeDefined();
    expect(processesWith(tmp)).toEqual([]);
    process.stderr.write(`gds demo --engine sqlite: ${ms.toFixed(0)} ms wall (subprocess)\n`);
    expect(ms).toBeLessThan(20_000);
  }, 30_000);

  it('--json prints one document with every step ok', async () => {
    const tmp = ownTmp();
    const { code, stdout } = await gds(['demo', '--engine', 'sqlite', '--json'], { env: { TMPDIR: tmp } });
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { ok: boolean; steps: { title: string; ok: boolean; ms: number }[] };
    expect(doc.ok).toBe(true);
    expect(doc.steps).toHaveLength(STEPS);
    expect(doc.steps.every((s) => s.ok && s.ms >= 0)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
  }, 30_000);

  it('cleans up when interrupted with Ctrl-C', async () => {
    const tmp = ownTmp();
    let sent = false;
    const { code, stdout } = await gds(['demo', '--engine', 'sqlite'], {
      env: { TMPDIR: tmp },
      onStdout: (text, child) => {
        if (!sent && text.includes('create a sample database')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(stdout).toMatch(/Summary/);
    // the folder had been made under our TMPDIR (the first step), and it is gone
    expect(/sqlite:\/\/(\S+)\/databases/.exec(stdout)?.[1]?.startsWith(tmp)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
    expect(processesWith(tmp)).toEqual([]);
  }, 30_000);

  it('an unknown --engine is a usage error (exit 2) naming the choices, and touches nothing', async () => {
    const tmp = ownTmp();
    const { code, stdout, stderr } = await gds(['demo', '--engine', 'nosuch'], { env: { TMPDIR: tmp } });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/unknown engine "nosuch" \(choose postgres or sqlite\)/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('without the SQLite engine installed: a one-line usage error saying what to install, nothing made', async () => {
    // a copy of the CLI installed with the core only (no engine packages), outside the repository
    const tmp = ownTmp();
    const app = join(ownTmp(), 'only-core');
    mkdirSync(join(app, 'node_modules', '@gds'), { recursive: true });
    cpSync(join(root, 'packages/gds-cli/dist'), join(app, 'dist'), { recursive: true });
    cpSync(join(root, 'packages/gds-cli/package.json'), join(app, 'package.json'));
    symlinkSync(join(root, 'packages/gds-database'), join(app, 'node_modules/@gds/database'));
    for (const dep of ['commander', 'cli-table3', 'cli-progress']) symlinkSync(realpathSync(join(root, 'packages/gds-cli/node_modules', dep)), join(app, 'node_modules', dep));
    const r = await gds(['demo', '--engine', 'sqlite'], { binPath: join(app, 'dist/bin.js'), cwd: app, env: { TMPDIR: tmp } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('gds: gds demo --engine sqlite needs the SQLite engine: no installed gds engine handles sqlite:// URLs (installed: none): install the gds engine package for sqlite:// (npm install <package>)\n');
    expect(readdirSync(tmp)).toEqual([]);
  }, 30_000);

  it('gds demo without PostgreSQL binaries says how to run the SQLite demo (exit 2)', async () => {
    const { code, stderr } = await gds(['demo'], { env: { GDS_PG_BIN_DIR: join(ownTmp(), 'no-postgres-here') } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/PostgreSQL server binaries not found/);
    expect(stderr).toMatch(/gds demo --engine sqlite/);
  });
});
