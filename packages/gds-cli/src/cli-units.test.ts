import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { confirmDestructive, type ConfirmIO } from './confirm.js';
import { parseOptionPairs, parseValue } from './commands/parse-options.js';
import { ProgressRenderer } from './progress.js';
import { hideValue, redactText } from './redaction.js';
import { UsageError } from './usage-error.js';

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns = 100;
  constructor(tty: boolean) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  // cli-progress asks the terminal for these
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

describe('parseOptionPairs', () => {
  it('parses values and camel-cases keys', () => {
    expect(parseOptionPairs(['template=template0', 'connection-limit=5', 'is-template=false', 'schemas=["a","b"]', 'owner=', 'x=null'])).toEqual({
      template: 'template0',
      connectionLimit: 5,
      isTemplate: false,
      schemas: ['a', 'b'],
      owner: '',
      x: null,
    });
    expect(parseValue('-1')).toBe(-1);
    expect(parseValue('1.5')).toBe(1.5);
    expect(parseValue('a=b')).toBe('a=b');
  });
  it('refuses pairs without a key and broken JSON', () => {
    expect(() => parseOptionPairs(['novalue'])).toThrow(UsageError);
    expect(() => parseOptionPairs(['=x'])).toThrow(UsageError);
    expect(() => parseOptionPairs(['a=[1,'])).toThrow(/does not parse/);
  });
});

describe('confirmDestructive', () => {
  it('refuses without a terminal unless --yes, and never asks in a dry run', async () => {
    await expect(confirmDestructive('drop x', {}, io(false))).rejects.toThrow(/not on a terminal; pass --yes/);
    await expect(confirmDestructive('drop x', { yes: true }, io(false))).resolves.toBeUndefined();
    const dry = io(true);
    await expect(confirmDestructive('drop x', { dryRun: true }, dry)).resolves.toBeUndefined();
    expect(dry.asked).toEqual([]);
  });
  it('asks on a terminal and goes on only for yes', async () => {
    const yes = io(true, 'YES ');
    await expect(confirmDestructive('drop x', {}, yes)).resolves.toBeUndefined();
    expect(yes.asked[0]).toMatch(/^drop x\? .*Type yes/);
    await expect(confirmDestructive('drop x', {}, io(true, ''))).rejects.toThrow(/not confirmed/);
    await expect(confirmDestructive('drop x', {}, io(true, 'no'))).rejects.toThrow(/not confirmed/);
  });
});

describe('redactText', () => {
  it('hides URL passwords and hidden values, encoded or not', () => {
    hideValue('p@ss w0rd!');
    expect(redactText('mssql://sa:p%40ss%20w0rd!@h failed for p@ss w0rd!')).toBe('mssql://sa:***@h failed for ***');
    expect(redactText('token p%40ss%20w0rd!')).toBe('token ***');
  });
});

describe('ProgressRenderer', () => {
  it('draws a bar with the percent on a terminal', () => {
    const tty = new Capture(true);
    const p = new ProgressRenderer(tty, 'backup app');
    p.update({ percent: 50, bytes: 2048, elapsedMs: 1500 });
    p.update({ percent: 100, elapsedMs: 3000 });
    p.stop();
    expect(p.enabled).toBe(true);
    expect(tty.text).toContain('backup app [████████████░░░░░░░░░░░░] 50% 2.0 KiB 1.5s');
    expect(tty.text).toContain('100%');
  });
  it('draws a spinner with elapsed time and bytes when there is no percent', () => {
    const tty = new Capture(true);
    const p = new ProgressRenderer(tty, 'restore app');
    p.update({ bytes: 5 * 1048576, elapsedMs: 2500 });
    p.stop();
    expect(tty.text).toMatch(/restore app [⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] 2\.5s 5\.0 MiB/);
    expect(tty.text).not.toContain('%');
  });
  it('stays quiet when piped or asked to', () => {
    const pipe = new Capture(false);
    const p = new ProgressRenderer(pipe, 'backup');
    p.update({ percent: 10, elapsedMs: 1 });
    p.stop();
    const quiet = new Capture(true);
    const q = new ProgressRenderer(quiet, 'backup', { quiet: true });
    q.update({ percent: 10, elapsedMs: 1 });
    q.stop();
    expect(pipe.text).toBe('');
    expect(quiet.text).toBe('');
    expect(p.enabled).toBe(false);
  });
});
