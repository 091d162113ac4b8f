// The client's XML output parsed into rows, string literals, and option-file lines (no server needed).
import { describe, expect, it } from '@jest/globals';
import { parseClientXml, sqlString } from './client.js';
import { checkSettings, optionFile } from './server-config.js';

// As `mariadb --xml` 10.11 prints it (captured here): a row with NULL and escaped text, then an empty result set.
const XML = `<?xml version="1.0"?>

<resultset statement="select 1 as a, null as b, 'x&lt;y' as \`c d\`" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <row>
\t<field name="a">1</field>
\t<field name="b" xsi:nil="true" />
\t<field name="c d">x&lt;y&gt;&amp;&quot;z'\t
</field>
  </row>
</resultset>
<?xml version="1.0"?>

<resultset statement="show slave status" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></resultset>
`;

describe('parseClientXml', () => {
  it('returns one row array per result set, NULL as null, entities decoded, whitespace inside values kept', () => {
    expect(parseClientXml(XML)).toEqual([[{ a: '1', b: null, 'c d': 'x<y>&"z\'\t\n' }], []]);
    expect(parseClientXml('')).toEqual([]);
    expect(parseClientXml('<resultset statement="x"><row><field name="n">&#65;&#x42;</field></row></resultset>')).toEqual([[{ n: 'AB' }]]);
  });
});

describe('sqlString', () => {
  it('doubles quotes and escapes backslashes and NUL (default sql_mode)', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString('a\\b')).toBe("'a\\\\b'");
    expect(sqlString('a\0b')).toBe("'a\\0b'");
  });
});

describe('server option file', () => {
  const base = {
    dataDir: '/d',
    socket: '/s.sock',
    port: 3307,
    serverId: 2,
    logFile: '/l.err',
    pidFile: '/p.pid',
    tmpDir: '/t',
    osUser: 'mysql',
    role: 'replica' as const,
    semiSync: true,
    initFile: '/i.sql',
    settings: { 'max-connections': 7, quoted: 'a"b\\c', flag: false },
  };
  it('binds to loopback, logs binlog with GTIDs, makes replicas read-only and semi-sync, quotes values', () => {
    const text = optionFile(base);
    expect(text.split('\n')[1]).toBe('[mariadbd]');
    for (const line of ['bind-address="127.0.0.1"', 'port="3307"', 'server-id="2"', 'log-bin="binlog"', 'gtid-strict-mode="ON"', 'read-only="ON"', 'rpl-semi-sync-slave-enabled="ON"', 'user="mysql"', 'init-file="/i.sql"', 'max-connections="7"', 'quoted="a\\"b\\\\c"', 'flag="OFF"']) {
      expect(text.split('\n')).toContain(line);
    }
    expect(optionFile({ ...base, role: 'primary', osUser: undefined })).toMatch(/^rpl-semi-sync-master-enabled="ON"$/m);
    expect(optionFile({ ...base, role: 'primary', osUser: undefined })).not.toMatch(/^(user|read-only)=/m);
  });
  it('refuses option names it manages, invalid names and values with line breaks', () => {
    expect(() => checkSettings({ 'skip_grant_tables': 1 })).toThrow(/managed by startMariadb/);
    expect(() => checkSettings({ Log_Bin: 'x' })).toThrow(/managed by startMariadb/);
    expect(() => checkSettings({ 'x=y': 1 })).toThrow(/invalid MariaDB option name/);
    expect(() => checkSettings({ general_log_file: 'a\nport=1' })).toThrow(/line breaks/);
    expect(() => checkSettings({ 'slave-net-timeout': 5 })).not.toThrow();
  });
});
