// Unit tests of the CLI's safety rules (issue 12 items 6, 10, 14, 15, 16): typed-name
// confirmation, one switch for every spelling of a guarded option, signals handled like Ctrl-C,
// the cancelling notice cleared, what a cancelled command left behind, and --timeout bounds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it, jest } from '@jest/globals';
import type { Database } from '@gds/database';
import { backupLeftovers, restoreLeftovers } from './commands/at-stake.js';
import { confirmDestructive, confirmQuestion, type ConfirmIO } from './confirm.js';
import { CliContext, MAX_TIMEOUT_MS, runCommand } from './context.js';
import { describeGuarded, splitGuarded } from './guard.js';
import { ProgressRenderer } from './progress.js';
import { onTerminatingSignals, signalExitCode, TERMINATING_SIGNALS } from './signals.js';
import { UsageError } from './usage-error.js';

class Capture extends Writable {
  text = '';
  columns = 100;
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  cursorTo(): boolean {
    return true;
  }
  clearLine(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
}

const io = (interactive: boolean, answer = ''): ConfirmIO & { asked: string[] } => {
  const asked: string[] = [];
  return { interactive, asked, ask: async (q) => (asked.push(q), answer) };
};

describe('typed-name confirmation (item 15)', () => {
  it('an irreversible change goes on only when the exact name is typed: yes and y are refused', async () => {
    const spec = { typeToConfirm: 'Sales DB', losing: ['12.0 MiB of data', '2 open sessions'] };
    for (const answer of ['yes', 'y', 'YES', 'sales db', ' Sales DB', '']) {
      await expect(confirmDestructive('drop database "Sales DB"', {}, io(true, answer), spec)).rejects.toThrow(/not confirmed/);
    }
    const ok = io(true, 'Sales DB');
    await expect(confirmDestructive('drop database "Sales DB"', {}, ok, spec)).resolves.toBeUndefined();
    expect(ok.asked[0]).toBe('drop database "Sales DB"? At stake: 12.0 MiB of data, 2 open sessions. This cannot be undone. Type the name Sales DB to go on: ');
  });

  it('a reversible change asks for yes and does not claim it cannot be undone', async () => {
    const q = confirmQuestion('take "app" offline');
    expect(q).toBe('take "app" offline? Type yes to go on: ');
    expect(q).not.toMatch(/undone/);
    await expect(confirmDestructive('take "app" offline', {}, io(true, 'yes'))).resolves.toBeUndefined();
  });

  it('without a terminal and without --yes an irreversible change is refused without asking', async () => {
    const none = io(false, 'app');
    await expect(confirmDestructive('drop database "app"', {}, none, { typeToConfirm: 'app' })).rejects.toThrow(/not on a terminal; pass --yes/);
    expect(none.asked).toEqual([]);
  });
});

describe('guarded options (item 14)', () => {
  it('names every guarded key however it was given and takes the dry-run key out', () => {
    expect(splitGuarded({ replace: true, jobs: 4 })).toEqual({ options: { replace: true, jobs: 4 }, dryRun: false, guarded: ['replace'], irreversible: true });
    expect(splitGuarded({ clean: true, dryRun: true })).toMatchObject({ options: { clean: true }, dryRun: true, guarded: ['clean'], irreversible: true });
    expect(splitGuarded({ overwrite: true }).guarded).toEqual(['overwrite']);
    expect(splitGuarded({ force: true })).toMatchObject({ guarded: ['force'], irreversible: false });
    expect(splitGuarded({ replace: false, clean: false }).guarded).toEqual([]);
    expect(() => splitGuarded({ dryRun: 'yes' })).toThrow(UsageError);
    expect(describeGuarded(['clean', 'force'])).toBe('drop each object before recreating it, end other sessions');
  });

  it('--opt dry-run=true is the global dry run: changeOptions says so and confirm never asks', async () => {
    const asked = io(false);
    const ctx = new CliContext({}, new AbortController(), asked, { json: false, out: new Capture(false), err: new Capture(false) });
    const taken = ctx.takeOptions(['dry-run=true', 'replace=true']);
    expect(taken.guarded).toEqual(['replace']);
    expect(ctx.dryRun).toBe(true);
    expect(ctx.changeOptions().dryRun).toBe(true);
    await expect(ctx.confirm('replace "app"', { typeToConfirm: 'app' })).resolves.toBeUndefined();
    expect(asked.asked).toEqual([]);
  });
});

describe('--timeout bounds (item 10)', () => {
  const ctxWith = (timeout: string) => new CliContext({ timeout }, new AbortController(), io(false), { json: false, out: new Capture(false), err: new Capture(false) });
  it('refuses a value a timer cannot honour instead of letting it become 1 ms', () => {
    expect(() => ctxWith(String(2 ** 31)).changeOptions()).toThrow(/too large: at most 2147483647 ms/);
    expect(() => ctxWith('99999999999999').readOptions()).toThrow(UsageError);
    expect(() => ctxWith('1e3').changeOptions()).toThrow(/whole number/);
    expect(() => ctxWith('0').changeOptions()).toThrow(/whole number/);
    // what is left of it: the milliseconds since the context was made are taken off (1 ms passed once in CI)
    const left = ctxWith(String(MAX_TIMEOUT_MS)).changeOptions().timeoutMs!;
    expect(left).toBeLessThanOrEqual(2_147_483_647);
    expect(left).toBeGreaterThan(2_147_483_647 - 1_000);
  });
});

describe('signals (items 6 and 16)', () => {
  it('exit codes are 128 + the signal number, as bash reports them (test/evidence/signals.json)', () => {
    const evidence = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', 'signals.json'), 'utf8')) as { exitStatus: { expected: Record<string, number> } };
    for (const [signal, code] of Object.entries(evidence.exitStatus.expected)) expect(signalExitCode(signal as NodeJS.Signals)).toBe(code);
    expect(TERMINATING_SIGNALS).toEqual(expect.arrayContaining(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']));
  });

  it('the first signal cancels, a second exits at once with 128+n', () => {
    const first = jest.fn<(s: NodeJS.Signals) => void>();
    const exit = jest.fn<(code: number) => void>();
    const stop = onTerminatingSignals(first, exit);
    try {
      process.emit('SIGHUP', 'SIGHUP');
      expect(first).toHaveBeenCalledWith('SIGHUP');
      expect(exit).not.toHaveBeenCalled();
      process.emit('SIGTERM', 'SIGTERM');
      expect(exit).toHaveBeenCalledWith(143);
    } finally {
      stop();
    }
    expect(process.listeners('SIGHUP')).toHaveLength(0);
  });

  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`${signal} cancels the running command like Ctrl-C, exits ${signalExitCode(signal)}, and prints what it left behind`, async () => {
      const err = new Capture(false);
      const out = new Capture(false);
      let aborted = false;
      const code = await runCommand(
        {},
        async (ctx) => {
          setTimeout(() => process.emit(signal, signal), 5);
          await new Promise<void>((_, reject) =>
            ctx.signal.addEventListener('abort', () => {
              aborted = true;
              ctx.leftBehind.push('nothing: no file at /b/app.dump and no partial file next to it');
              reject(new Error('backup was cancelled'));
            }),
          );
        },
        io(false),
        { json: false, out, err },
      );
      expect(aborted).toBe(true);
      expect(code).toBe(signalExitCode(signal));
      expect(err.text).toMatch(/cancelling/);
      expect(err.text).toMatch(signal === 'SIGINT' ? /gds: interrupted: backup was cancelled/ : new RegExp(`gds: ended by ${signal}: backup was cancelled`));
      expect(err.text).toContain('  left behind: nothing: no file at /b/app.dump and no partial file next to it\n');
      expect(process.listeners(signal)).toHaveLength(0);
    });
  }

  it('on a terminal the progress bar stops before the notice, and the notice line is cleared when the outcome is known', async () => {
    const err = new Capture(true);
    const code = await runCommand(
      {},
      async (ctx) => {
        const bar = new ProgressRenderer(err, 'restore app');
        ctx.onInterrupt(() => bar.stop());
        bar.update({ percent: 40, elapsedMs: 100 });
        process.emit('SIGTERM', 'SIGTERM');
        bar.update({ percent: 90, elapsedMs: 200 }); // ignored: the bar was stopped
        await new Promise((r) => setTimeout(r, 250)); // the bar's own redraw timer must not fire either
        throw new Error('restore was cancelled');
      },
      io(true),
      { json: false, out: new Capture(false), err },
    );
    expect(code).toBe(143);
    const notice = err.text.indexOf('gds: SIGTERM received, cancelling');
    expect(notice).toBeGreaterThan(0);
    const after = err.text.slice(notice);
    expect(after).not.toMatch(/restore app/); // nothing drew over or after the notice
    expect(after).toBe('gds: SIGTERM received, cancelling (SIGTERM again to quit at once)…\r\x1b[2Kgds: ended by SIGTERM: restore was cancelled\n');
    expect(err.text.slice(0, notice)).not.toContain('90%');
  });

  it('a signal that comes after the operation finished: the result stands, the exit code still says 128+n', async () => {
    const err = new Capture(false);
    const out = new Capture(false);
    const code = await runCommand(
      {},
      async (ctx) => {
        process.emit('SIGTERM', 'SIGTERM');
        ctx.output.out.write('backed up app\n');
      },
      io(false),
      { json: false, out, err },
    );
    expect(code).toBe(143);
    expect(out.text).toBe('backed up app\n');
    expect(err.text).toContain('gds: SIGTERM came too late to cancel: the operation had finished\n');
  });

  it('in --json mode the left-behind lines are part of the one error document', async () => {
    const out = new Capture(false);
    const code = await runCommand(
      { json: true },
      async (ctx) => {
        ctx.interrupt('SIGTERM');
        ctx.leftBehind.push('database "x" still exists (it existed before the restore)');
        throw new Error('restore was cancelled');
      },
      io(false),
      { json: true, out, err: new Capture(false) },
    );
    expect(code).toBe(143);
    expect(JSON.parse(out.text)).toMatchObject({ ok: false, exitCode: 143, error: { leftBehind: ['database "x" still exists (it existed before the restore)'] } });
  });
});

describe('what a cut-short command left behind (item 16)', () => {
  it('a backup: nothing, the target, or the partial files next to it; nothing said for a clone name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gds-left-'));
    try {
      const target = join(dir, 'app.dump');
      expect(backupLeftovers(target)).toBe(`nothing: no file at ${target} and no partial file next to it`);
      writeFileSync(join(dir, '.app.dump.gds-partial-1234-abcd'), 'x');
      expect(backupLeftovers(target)).toBe(`partial files .app.dump.gds-partial-1234-abcd in ${dir}`);
      writeFileSync(target, 'x');
      expect(backupLeftovers(target)).toMatch(/ exists; partial files /);
      expect(backupLeftovers('SALES_BACKUP')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a restore: compared with whether the database existed before', async () => {
    const db = (exists: boolean | Error) =>
      ({ name: 'x', exists: async () => (exists instanceof Error ? Promise.reject(exists) : exists) }) as unknown as Database;
    expect(await restoreLeftovers(db(false), false)).toBe('nothing: database "x" does not exist, as before the restore');
    expect(await restoreLeftovers(db(true), false)).toBe('database "x" was created by the restore and may be incomplete: check it, or drop it with gds drop "x"');
    expect(await restoreLeftovers(db(true), true)).toBe('database "x" still exists (it existed before the restore)');
    expect(await restoreLeftovers(db(false), true)).toBe('database "x" no longer exists (it existed before the restore)');
    expect(await restoreLeftovers(db(new Error('down')), true)).toBe('unknown: could not check whether database "x" exists');
  });
});
