// Unit tests of the metadata mapping from the documented SHOW DATABASES columns.
import { describe, expect, it } from '@jest/globals';
import { databaseRow } from '@gds/testkit/snowflake';
import { exactRows, lastAlteredSql, rowToMetadata, showDatabasesSql, type ShowDatabasesRow } from './snowflake-metadata.js';

describe('Snowflake metadata', () => {
  it('maps a SHOW DATABASES row', () => {
    const row = databaseRow({ name: 'sales', owner: 'ANALYST', options: 'TRANSIENT, MANAGED ACCESS', retention_time: '0', comment: 'c', kind: 'STANDARD', is_current: 'Y', owner_role_type: 'ROLE' }) as unknown as ShowDatabasesRow;
    const m = rowToMetadata(row);
    expect(m).toMatchObject({ name: 'sales', type: 'snowflake', owner: 'ANALYST', isTransient: true, retentionTimeDays: 0, comment: 'c', kind: 'STANDARD', options: ['TRANSIENT', 'MANAGED ACCESS'], isCurrent: true, isDefault: false, state: 'online', origin: undefined });
    expect(m.created?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    expect(m.additionalAttributes).toEqual({ ownerRoleType: 'ROLE' });
  });

  it('maps an imported database from a share, and tolerates missing columns', () => {
    const m = rowToMetadata({ name: 'SHARED', kind: 'IMPORTED DATABASE', origin: 'ORG.ACCT.SHARE', retention_time: null, options: null, created_on: '2026-02-01T00:00:00Z' });
    expect(m).toMatchObject({ kind: 'IMPORTED DATABASE', origin: 'ORG.ACCT.SHARE', isTransient: false, retentionTimeDays: undefined, options: [] });
    expect(m.created?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(rowToMetadata({ name: 'x', retention_time: 5 }).retentionTimeDays).toBe(5);
  });

  it('builds the SHOW statements and keeps only exact matches', () => {
    expect(showDatabasesSql()).toBe('SHOW DATABASES');
    expect(showDatabasesSql('a_b%', true)).toBe("SHOW DATABASES HISTORY LIKE 'a_b%'");
    expect(exactRows([{ name: 'a_b%' }, { name: 'AXB%' }, { name: 'A_B%' }], 'a_b%')).toEqual([{ name: 'a_b%' }]);
    expect(lastAlteredSql('x"y')).toBe('SELECT LAST_ALTERED FROM "x""y".INFORMATION_SCHEMA.DATABASES WHERE DATABASE_NAME = ?');
  });
});
