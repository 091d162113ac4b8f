// Unit tests of the statement builders: the exact SQL gds sends (and dry runs show).
import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@gds/database';
import * as S from './snowflake-statements.js';
import { temporaryName } from './snowflake-backup.js';

describe('Snowflake statements', () => {
  it('builds CREATE DATABASE for every mode and option', () => {
    expect(S.createDatabase('sales').text).toBe('CREATE DATABASE "sales"');
    expect(S.createDatabase('s', { mode: 'ifNotExists' }).text).toBe('CREATE DATABASE IF NOT EXISTS "s"');
    expect(S.createDatabase('s', { mode: 'orReplace', transient: true }).text).toBe('CREATE OR REPLACE TRANSIENT DATABASE "s"');
    expect(S.createDatabase('s', { dataRetentionTimeInDays: 7, maxDataExtensionTimeInDays: 14, comment: "o'k" }).text).toBe(
      "CREATE DATABASE \"s\" DATA_RETENTION_TIME_IN_DAYS = 7 MAX_DATA_EXTENSION_TIME_IN_DAYS = 14 COMMENT = 'o''k'",
    );
    expect(S.createDatabase('c', { clone: { source: 'src"x', at: { timestamp: '2026-03-01T08:00:00+01:00' } } }).text).toBe(
      "CREATE DATABASE \"c\" CLONE \"src\"\"x\" AT(TIMESTAMP => '2026-03-01T08:00:00+01:00'::TIMESTAMP_TZ)",
    );
  });

  it('builds Time Travel clauses and refuses ambiguous points', () => {
    expect(S.timeTravelClause({})).toBe('');
    expect(S.timeTravelClause({ at: { offset: -3600 } })).toBe(' AT(OFFSET => -3600)');
    expect(S.timeTravelClause({ before: { statement: '01b2-x' } })).toBe(" BEFORE(STATEMENT => '01b2-x')");
    expect(() => S.timeTravelClause({ at: { offset: -1 }, before: { offset: -1 } })).toThrow(ValidationError);
    expect(() => S.timeTravelClause({ at: { offset: -1, statement: 'abc' } })).toThrow(ValidationError);
    expect(() => S.timeTravelClause({ at: {} })).toThrow(ValidationError);
  });

  it('builds drop, undrop, retention, swap, SHOW and replication statements', () => {
    expect(S.dropDatabase('a').text).toBe('DROP DATABASE "a"');
    expect(S.dropDatabase('a', { ifExists: true, cascade: true }).text).toBe('DROP DATABASE IF EXISTS "a" CASCADE');
    expect(() => S.dropDatabase('a', { cascade: true, restrict: true })).toThrow(ValidationError);
    expect(S.undropDatabase('a').text).toBe('UNDROP DATABASE "a"');
    expect(S.setRetention('a', 3).text).toBe('ALTER DATABASE "a" SET DATA_RETENTION_TIME_IN_DAYS = 3');
    expect(S.swapDatabases('a', 'b').text).toBe('ALTER DATABASE "a" SWAP WITH "b"');
    expect(S.showSchemas('a').text).toBe('SHOW SCHEMAS IN DATABASE "a"');
    expect(S.showTables('a').text).toBe('SHOW TABLES IN DATABASE "a"');
    expect(S.showTables('a', 's"').text).toBe('SHOW TABLES IN SCHEMA "a"."s"""');
    expect(S.showReplicationDatabases("x'y").text).toBe("SHOW REPLICATION DATABASES LIKE 'x''y'");
    expect(S.showGroupDatabases('REPLICATION', 'g').text).toBe('SHOW DATABASES IN REPLICATION GROUP "g"');
    expect(S.enableReplication('a', ['o.b'], true).text).toBe('ALTER DATABASE "a" ENABLE REPLICATION TO ACCOUNTS O.B IGNORE EDITION CHECK');
    expect(S.refresh('g', { kind: 'REPLICATION' }).text).toBe('ALTER REPLICATION GROUP "g" REFRESH');
    expect(S.promote('a').text).toBe('ALTER DATABASE "a" PRIMARY');
    expect(S.refreshProgress('a')).toEqual({ text: 'SELECT PHASE_NAME, RESULT, START_TIME, END_TIME, DETAILS FROM TABLE("a".INFORMATION_SCHEMA.DATABASE_REFRESH_PROGRESS(?)) ORDER BY START_TIME', params: ['"a"'] });
  });

  it('describes bindings in dry-run output on one line', () => {
    expect(S.describeStatement({ text: 'SELECT ?, ?', params: ["it's\nx", 5] })).toBe("SELECT ?, ? -- ?1 = 'it''s\\nx', ?2 = 5");
    expect(S.describeStatement({ text: 'SHOW DATABASES', params: [] })).toBe('SHOW DATABASES');
  });

  it('shows where a statement on another account runs, and that statement keeps its text and bindings', () => {
    const promote = S.promote('a');
    const there = S.runsOn(promote, 'snowflake://MYORG-DR');
    expect(there).toMatchObject({ text: promote.text, params: promote.params });
    expect(S.describeStatement(there)).toBe('ALTER DATABASE "a" PRIMARY -- on snowflake://MYORG-DR');
    expect(S.describeStatement(S.runsOn(S.refreshHistory('a'), 'x'))).toBe(`${S.refreshHistory('a').text} -- ?1 = '"a"' -- on x`);
    expect(S.describeStatement(promote)).toBe('ALTER DATABASE "a" PRIMARY');
  });

  it('makes temporary names within 255 characters', () => {
    const at = new Date('2026-03-01T08:09:10.123Z');
    expect(temporaryName('SALES', 'restore', at, 'a1b2')).toBe(`SALES_gds_restore_${at.toISOString().replace(/[-:.TZ]/g, '').slice(0, 17)}_a1b2`);
    expect(temporaryName('SALES', 'restore', at)).not.toBe(temporaryName('SALES', 'restore', at));
    expect([...temporaryName('é'.repeat(255), 'restore', at)]).toHaveLength(255);
  });
});
