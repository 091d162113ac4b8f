// GTID comparison of both flavours, against the examples of the manuals (evidence files) and edge cases.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mariadbBehind, mysqlBehind, parseMariadbPosition, parseMysqlGtidSet } from './mysql-gtid.js';

type Example = { ahead: string; behind: string; missing: number };
const examples = (file: string, id: string) =>
  (JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', file), 'utf8')) as { rules: { id: string; examples?: Example[] }[] }).rules.find((r) => r.id === id)!.examples!;

describe('MariaDB positions', () => {
  it('counts seq_no per domain (the manual examples)', () => {
    for (const e of examples('mariadb-replication.json', 'gtid-positions')) expect(mariadbBehind(e.ahead, e.behind)).toBe(e.missing);
  });
  it('parses, ignores empty parts, refuses malformed ones', () => {
    expect(parseMariadbPosition('0-1-42, 1-3-7')).toEqual([{ domain: 0, serverId: 1, seq: 42 }, { domain: 1, serverId: 3, seq: 7 }]);
    expect(parseMariadbPosition('')).toEqual([]);
    expect(mariadbBehind('', '0-1-5')).toBe(0);
    expect(mariadbBehind('0-1-5', '')).toBe(5);
    expect(() => parseMariadbPosition('0-1')).toThrow(/not a MariaDB GTID/);
    expect(() => mariadbBehind('x', '')).toThrow();
  });
});

describe('MySQL GTID sets', () => {
  it('counts GTID_SUBTRACT(ahead, behind) (the manual examples)', () => {
    for (const e of examples('mysql8-replication.json', 'gtid-sets')) expect(mysqlBehind(e.ahead, e.behind)).toBe(e.missing);
  });
  it('merges intervals, reads line breaks and tags, refuses malformed sets', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    expect(parseMysqlGtidSet(`${u}:1-3:4-5:9,\n${u.toUpperCase()}:7`)).toEqual([{ source: u, intervals: [[1, 5], [7, 7], [9, 9]] }]);
    expect(parseMysqlGtidSet(`${u}:1-3:web:1-2`)).toEqual([
      { source: u, intervals: [[1, 3]] },
      { source: `${u}:web`, intervals: [[1, 2]] },
    ]);
    expect(mysqlBehind(`${u}:1-10`, `${u}:1-3:5-7`)).toBe(4);
    expect(mysqlBehind(`${u}:1-10`, '')).toBe(10);
    expect(() => parseMysqlGtidSet('nope:1-2')).toThrow(/not a MySQL GTID set/);
    expect(() => parseMysqlGtidSet(`${u}:5-2`)).toThrow();
    expect(() => parseMysqlGtidSet(u)).toThrow();
  });
});
