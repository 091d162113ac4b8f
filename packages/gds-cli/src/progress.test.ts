import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { formatDuration, progressLine, ProgressRenderer } from './progress.js';

class Tty extends Writable {
  text = '';
  isTTY = true;
  columns = 120;
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

/** The lines drawn, without cursor-control sequences. */
// eslint-disable-next-line no-control-regex -- the escape sequences cli-progress writes are what is stripped
const lines = (t: Tty) => t.text.split(/\r|\n|\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/).map((l) => l.trim()).filter(Boolean);

describe('progressLine', () => {
  it('shows percent, bytes, elapsed, throughput and an ETA from the pace so far', () => {
    expect(progressLine('backup app', { percent: 25, bytes: 100 * 1048576, elapsedMs: 10_000 })).toBe('backup app [██████░░░░░░░░░░░░░░░░░░] 25% 100.0 MiB 10.0s 10.0 MiB/s ETA 30.0s');
    expect(progressLine('backup app', { percent: 50, bytes: 3 * 1073741824, elapsedMs: 150_000 })).toBe('backup app [████████████░░░░░░░░░░░░] 50% 3.0 GiB 2m30s 20.5 MiB/s ETA 2m30s');
  });
  it('the final line has no ETA; no percent gives a spinner with the rate', () => {
    expect(progressLine('backup app', { percent: 100, bytes: 79263546, elapsedMs: 4000, final: true })).toBe('backup app [████████████████████████] 100% 75.6 MiB 4.0s 18.9 MiB/s');
    expect(progressLine('restore app', { bytes: 5 * 1048576, elapsedMs: 2500, spin: '⠙' })).toBe('restore app ⠙ 2.5s 5.0 MiB 2.0 MiB/s');
    expect(progressLine('restore app', { percent: 0, elapsedMs: 0 })).toBe('restore app [░░░░░░░░░░░░░░░░░░░░░░░░] 0% 0.0s');
  });
  it('formats durations', () => {
    expect([formatDuration(4200), formatDuration(185_000), formatDuration(3_720_000)]).toEqual(['4.2s', '3m05s', '1h02m']);
  });
});

describe('ProgressRenderer', () => {
  it('the elapsed time ticks on its own between events', async () => {
    const tty = new Tty();
    const p = new ProgressRenderer(tty, 'restore app');
    p.update({ percent: 10, bytes: 1024, elapsedMs: 1000 });
    await new Promise((r) => setTimeout(r, 650));
    p.stop();
    const drawn = lines(tty);
    const seconds = drawn.map((l) => Number(/ (\d+\.\d)s/.exec(l)?.[1])).filter((n) => Number.isFinite(n));
    expect(Math.max(...seconds)).toBeGreaterThanOrEqual(1.5); // no event came after the one at 1.0 s
  });
  it('leaves the final state as the last line: 100%, the final size, no ETA', () => {
    const tty = new Tty();
    const p = new ProgressRenderer(tty, 'backup app');
    p.update({ percent: 40, bytes: 40 * 1048576, elapsedMs: 1000 });
    p.update({ percent: 100, bytes: 79263546, elapsedMs: 2000 });
    p.stop();
    const last = lines(tty).at(-1) ?? '';
    expect(last).toMatch(/^backup app \[█{24}\] 100% 75\.6 MiB 2\.\ds \d+\.\d MiB\/s$/);
    expect(last).not.toContain('ETA');
  });
  it('a cancelled run leaves its last state, with the percent it had', () => {
    const tty = new Tty();
    const p = new ProgressRenderer(tty, 'backup app');
    p.update({ percent: 40, bytes: 1024, elapsedMs: 1000 });
    p.stop();
    expect(lines(tty).at(-1)).toMatch(/^backup app \[.*\] 40% 1\.0 KiB/);
  });
});
