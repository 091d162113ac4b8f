import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { API_METHOD_TO_COMMAND, cliIssues, inCliWords, suggest, toCliText } from './cli-hints.js';
import { bytesCell, chooseFormat, colorAllowed, formatDuration, printRecord, printTable, stateCell, type Output } from './output.js';
import { parseInterval, renderFrame, sparkline } from './commands/ha-watch.js';
import { optionRows } from './commands/engine-options.js';
import { UsageError } from './usage-error.js';
import { READ_ONLY_SQLSTATE } from './standby-hint.js';

const evidence = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', 'postgres-read-only.json'), 'utf8')) as { rules: { sqlstate?: string; line?: string }[] };

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}
const output = (format: Output['format'], tty: boolean, color = tty): Output & { out: Capture } => ({ json: format === 'json', out: new Capture(tty), err: new Capture(false), format, color });

describe('formats', () => {
  it('table on a terminal, tsv when piped, unless asked; json wins; colour only on a terminal without NO_COLOR', () => {
    expect(chooseFormat(undefined, false, true)).toBe('table');
    expect(chooseFormat(undefined, false, false)).toBe('tsv');
    expect(chooseFormat('csv', false, true)).toBe('csv');
    expect(chooseFormat('tsv', true, true)).toBe('json');
    expect(colorAllowed(true, {})).toBe(true);
    expect(colorAllowed(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorAllowed(false, {})).toBe(false);
  });

  it('tsv and csv write exact numbers, tables human ones; csv quotes; tsv strips tabs', () => {
    const rows = [['a,b', bytesCell(79263546), 121.98020395920815, stateCell('online')], ['t\tx', bytesCell(undefined), 3, stateCell('offline')]];
    const tsv = output('tsv', false);
    printTable(tsv, ['name', 'size', 'avg', 'state'], rows);
    expect(tsv.out.text).toBe('name\tsize\tavg\tstate\na,b\t79263546\t121.98020395920815\tonline\nt x\t\t3\toffline\n');
    const csv = output('csv', false);
    printTable(csv, ['name', 'size', 'avg', 'state'], rows);
    expect(csv.out.text.split('\n')[1]).toBe('"a,b",79263546,121.98020395920815,online');
    const plain = output('table', false);
    printTable(plain, ['name', 'size', 'avg', 'state'], rows);
    expect(plain.out.text).toBe('name  size      avg     state\na,b   75.6 MiB  121.98  online\nt x             3       offline\n');
    const tty = output('table', true);
    printTable(tty, ['name', 'size', 'avg', 'state'], rows);
    const lines = tty.out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(4); // header, rule, two rows: no separator under every row
    expect(lines[1]).toMatch(/^[─ ]+$/);
    expect(lines[2]).toContain('\x1b[32monline\x1b[39m');
    expect(lines[3]).toContain('\x1b[31moffline\x1b[39m');
    const noColor = output('table', true, false);
    printTable(noColor, ['state'], [[stateCell('offline')]]);
    expect(noColor.out.text).not.toContain('\x1b[');
    const record = output('tsv', false);
    printRecord(record, { name: 'app', sizeBytes: bytesCell(1536) });
    expect(record.out.text).toBe('key\tvalue\nname\tapp\nsizeBytes\t1536\n');
  });

  it('durations for people', () => {
    expect([formatDuration(250), formatDuration(1234), formatDuration(184_000), formatDuration(7_500_000)]).toEqual(['250 ms', '1.2 s', '3m 04s', '2h 05m']);
  });
});

describe('hints in CLI words (one table from API spellings)', () => {
  it('options and methods are spelt as the CLI takes them', () => {
    expect(toCliText('close them, or pass force: true to end them')).toBe('close them, or pass --force to end them');
    expect(toCliText('choose a new file name, or pass overwrite: true')).toBe('choose a new file name, or pass --opt overwrite=true');
    expect(toCliText('raise timeoutMs, or look for locks or a slow server')).toBe('raise --timeout, or look for locks or a slow server');
    expect(toCliText('pass replace: true to confirm, or use mode ifNotExists')).toBe('pass --replace to confirm, or use --if-not-exists');
    expect(toCliText('use listTables() instead')).toBe(`use ${API_METHOD_TO_COMMAND['listTables()']} instead`);
    expect(toCliText('pass connectionLimit: 5')).toBe('pass --opt connection-limit=5');
    expect(toCliText('choose a new file name, or pass init or append')).toBe('choose a new file name, or pass --opt init=true or --opt append=true');
    expect(toCliText('so use getDatabase(APP)')).toBe('so use the name APP');
  });

  it('the standby hint keys on the SQLSTATE PostgreSQL documents for read-only transactions', () => {
    expect(evidence.rules[0]!.sqlstate).toBe(READ_ONLY_SQLSTATE);
    expect(evidence.rules[0]!.line).toContain(`${READ_ONLY_SQLSTATE}    E    ERRCODE_READ_ONLY_SQL_TRANSACTION`);
  });

  it('validation issues: no JSON pointers, allowed values, known keys with a suggestion', () => {
    const known = [{ key: 'owner' }, { key: 'template' }, { key: 'localeProvider', values: ['libc', 'icu'] }, { key: 'dryRun' }];
    expect(cliIssues([{ path: '/ownr', message: 'is not a known option' }], known)).toBe('unknown --opt ownr (did you mean --opt owner?); known: owner, template, locale-provider');
    expect(cliIssues([{ path: '/localeProvider', message: 'must be equal to one of the allowed values' }], known)).toBe('--opt locale-provider must be one of libc, icu');
    expect(cliIssues([{ path: '/timeoutMs', message: 'must be integer' }])).toBe('--timeout must be integer');
    const error = Object.assign(new Error('Invalid options for create: /connectionLimit: must be integer; (value): bad'), {
      issues: [
        { path: '/connectionLimit', message: 'must be integer' },
        { path: '', message: 'bad' },
      ],
    });
    const info = inCliWords(error, { message: error.message, hint: 'pass force: true' });
    expect(info).toEqual({ message: 'Invalid options for create: --opt connection-limit must be integer; bad', hint: 'pass --force' });
    expect(suggest('templat', ['owner', 'template'])).toBe('template');
    expect(suggest('zzzzzz', ['owner', 'template'])).toBeUndefined();
  });

  it('option rows from a schema: kebab keys, enum types, defaults from the schema or its description', () => {
    const rows = optionRows({
      properties: {
        dryRun: { type: 'boolean' },
        template: { type: 'string', description: "Template to copy. Defaults to 'template1'; use template0 for another encoding." },
        format: { enum: ['custom', 'directory'], default: 'custom' },
        connectionLimit: { type: 'integer', minimum: -1 },
      },
    });
    expect(rows.map((r) => [r.opt, r.type, r.default])).toEqual([
      ['template', 'string', 'template1'],
      ['format', 'custom | directory', '"custom"'],
      ['connection-limit', 'integer (>= -1)', ''],
    ]);
  });
});

describe('ha watch pieces', () => {
  it('sparklines, interval parsing, the topology tree', () => {
    expect(sparkline([0, 5, 10])).toBe('▁▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(parseInterval(undefined)).toBe(2000);
    expect(parseInterval('0.5')).toBe(500);
    expect(() => parseInterval('0')).toThrow(UsageError);
    expect(() => parseInterval('fast')).toThrow(UsageError);
    const node = (nodeName: string, role: 'primary' | 'standby', extra: Record<string, unknown> = {}) => ({ nodeName, role, state: 'healthy' as const, endpoint: nodeName, isHealthy: true, metadata: extra });
    const frame = renderFrame(
      {
        name: 'pg',
        type: 'streaming_replication',
        syncMode: 'asynchronous',
        automaticFailover: false,
        metadata: {},
        nodes: [node('p:5432', 'primary'), node('s1', 'standby', { lagBytes: 2048 }), node('s2', 'standby', { upstreamNode: 's1', lagBytes: 0 }), node('s3', 'standby')],
      },
      new Map([['s1', [0, 1024, 2048]]]),
      { color: false, intervalMs: 1000, now: new Date('2026-01-01T10:00:00Z') },
    );
    expect(frame[0]).toBe('gds ha watch: streaming_replication pg, every 1.0 s, 10:00:00 UTC (Ctrl-C to quit)');
    const tree = frame.slice(3, 7);
    expect(tree[0]).toMatch(/^● p:5432 +primary +healthy$/);
    expect(tree[1]).toMatch(/^├─ ● s1 +standby +healthy +lag 2.0 KiB +▁▅█$/);
    expect(tree[2]).toMatch(/^│ {2}└─ ● s2 +standby +healthy +lag 0 B/);
    expect(tree[3]).toMatch(/^└─ ● s3 +standby +healthy +lag \?/);
  });
});
