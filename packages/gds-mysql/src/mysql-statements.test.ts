import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnsupportedOperationError, ValidationError } from '@gds/database';
import { parseServerVersion } from './mysql-connection.js';
import { rowToMetadata } from './mysql-metadata.js';
import * as S from './mysql-statements.js';

// MySQL 8 cannot run here: these are the statements built for it, checked against the manual's rules (evidence file)
const evidence = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', 'mysql8-schema.json'), 'utf8')) as {
  readOnlySchemas: { since: string; alter: string; optionsWhenReadOnly: string; optionsWhenWritable: string };
  schemaEncryption: { since: string; create: string; column: string };
  statsExpiry: { variable: string; defaultSeconds: number };
  processlist: { table: string };
};
const mysql = (v: string) => parseServerVersion(v);
const before = (v: string) => v.replace(/\d+$/, (p) => String(Number(p) - 1));
const mariadb = parseServerVersion('10.11.19-MariaDB-0+deb12u1-log');

describe('MySQL 8 branches (unit-tested only: no MySQL server here)', () => {
  it('read-only schemas from exactly the version the manual names, never on MariaDB', () => {
    const since = evidence.readOnlySchemas.since;
    expect(S.hasReadOnlySchemas(mysql(since))).toBe(true);
    expect(S.hasReadOnlySchemas(mysql(before(since)))).toBe(false);
    expect(S.hasReadOnlySchemas(mysql('8.4.3'))).toBe(true);
    expect(S.hasReadOnlySchemas(mysql('9.1.0'))).toBe(true);
    expect(S.hasReadOnlySchemas(mysql('5.7.44'))).toBe(false);
    expect(S.hasReadOnlySchemas(mariadb)).toBe(false);
    expect(S.readOnlyUnsupportedReason(mariadb)).toMatch(/MariaDB .* has no read-only schema/);
    expect(S.readOnlyUnsupportedReason(mysql('8.0.21'))).toMatch(/needs MySQL 8\.0\.22/);
  });

  it('ALTER SCHEMA ... READ ONLY is the manual\'s statement; the metadata reads SCHEMATA_EXTENSIONS.OPTIONS', () => {
    expect(S.alterReadOnly('mydb', true).text).toBe(evidence.readOnlySchemas.alter);
    expect(S.alterReadOnly('my`db', false).text).toBe('ALTER SCHEMA `my``db` READ ONLY = 0');
    const m8 = S.metadataStatement(mysql('8.0.36'), 'app');
    expect(m8.text).toContain('information_schema.SCHEMATA_EXTENSIONS');
    expect(m8.text).toContain(`s.${evidence.schemaEncryption.column}`);
    expect(m8.params).toEqual(['app', 'app']);
    const row = { name: 'app', charset: 'utf8mb4', collation: 'utf8mb4_0900_ai_ci', dataBytes: '16384', indexBytes: 0, tableCount: 1, viewCount: 0, defaultEncryption: 'NO' };
    expect(rowToMetadata({ ...row, options: evidence.readOnlySchemas.optionsWhenReadOnly }, false, true).additionalAttributes.readOnly).toBe(true);
    expect(rowToMetadata({ ...row, options: evidence.readOnlySchemas.optionsWhenWritable }, false, true).additionalAttributes.readOnly).toBe(false);
    expect(rowToMetadata({ ...row, options: null }, false, true).additionalAttributes.readOnly).toBe(false);
    expect(rowToMetadata({ ...row, options: null, defaultEncryption: 'YES' }, false, true).additionalAttributes.defaultEncryption).toBe(true);
  });

  it('MariaDB and MySQL < 8.0.16 get no encryption column; < 8.0.22 no SCHEMATA_EXTENSIONS', () => {
    for (const info of [mariadb, mysql(before(evidence.schemaEncryption.since))]) {
      const t = S.metadataStatement(info).text;
      expect(t).not.toContain('DEFAULT_ENCRYPTION');
      expect(t).not.toContain('SCHEMATA_EXTENSIONS');
    }
    expect(S.metadataStatement(mysql(evidence.schemaEncryption.since)).text).toContain('DEFAULT_ENCRYPTION');
    expect(S.metadataStatement(mysql('8.0.21')).text).not.toContain('SCHEMATA_EXTENSIONS');
    expect(rowToMetadata({ name: 'a', charset: 'x', collation: 'y', dataBytes: 1, indexBytes: 2, tableCount: 0, viewCount: 0, options: null, defaultEncryption: null }, false, false).additionalAttributes).toMatchObject({ readOnly: undefined, defaultEncryption: undefined });
  });

  it('MySQL 8 caches information_schema.TABLES sizes: the metadata asks for fresh ones first; MariaDB has no such cache', () => {
    expect(S.freshStatistics(mysql('8.0.36'))?.text).toBe(`SET SESSION ${evidence.statsExpiry.variable} = 0`);
    expect(S.freshStatistics(mysql('8.4.0'))).toBeDefined();
    expect(S.freshStatistics(mysql('5.7.44'))).toBeUndefined();
    expect(S.freshStatistics(mariadb)).toBeUndefined();
  });

  it('CREATE DATABASE ... ENCRYPTION on MySQL 8.0.16+, refused (not ignored) elsewhere', () => {
    expect(S.createDatabase('mydb', { encryption: true }, mysql(evidence.schemaEncryption.since)).text).toBe(evidence.schemaEncryption.create);
    expect(S.createDatabase('mydb', { encryption: false, charset: 'utf8mb4', collation: 'utf8mb4_bin', ifNotExists: true }, mysql('8.4.0')).text).toBe(
      "CREATE DATABASE IF NOT EXISTS `mydb` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT ENCRYPTION = 'N'",
    );
    expect(() => S.createDatabase('mydb', { encryption: true }, mariadb)).toThrow(UnsupportedOperationError);
    expect(() => S.createDatabase('mydb', { encryption: true }, mysql('8.0.15'))).toThrow(/8\.0\.16/);
    expect(() => S.createDatabase('mydb', { charset: 'utf8; DROP' }, mariadb)).toThrow(ValidationError);
  });
});

describe('statements shared by both flavours', () => {
  it('values are ? parameters, identifiers quoted, one statement each', () => {
    expect(S.sessionsIn("it's").params).toEqual(["it's"]);
    expect(S.sessionsIn('x').text).toContain('ID <> CONNECTION_ID()');
    expect(S.sessionsIn('x').text).toContain(`FROM ${evidence.processlist.table} `); // deprecated in MySQL 8.0.35, kept on purpose (evidence)
    expect(S.existsStatement('a?b').text).not.toContain('a?b');
    expect(S.dropDatabase('a`; DROP DATABASE b; --').text).toBe('DROP DATABASE `a``; DROP DATABASE b; --`');
    expect(S.analyzeTables('d', ['t1', 'x`y'], { local: true }).text).toBe('ANALYZE NO_WRITE_TO_BINLOG TABLE `d`.`t1`, `d`.`x``y`');
    expect(S.optimizeTables('d', ['t'], {}).text).toBe('OPTIMIZE TABLE `d`.`t`');
    expect(S.checkTables('d', ['t'], { mode: 'forUpgrade' }).text).toBe('CHECK TABLE `d`.`t` FOR UPGRADE');
    expect(() => S.checkTables('d', ['x'.repeat(65)], {})).toThrow(ValidationError);
    expect(() => S.killConnection(0)).toThrow(ValidationError);
    expect(() => S.killConnection(Number.NaN)).toThrow(ValidationError);
  });

  it('the metadata statement is one statement for all databases (no parameters) or one (one parameter)', () => {
    expect(S.metadataStatement(mariadb).params).toEqual([]);
    expect(S.metadataStatement(mariadb, 'a').params).toEqual(['a', 'a']);
    expect(S.metadataStatement(mariadb, 'a').text).toContain('FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? GROUP BY CAST(TABLE_SCHEMA AS BINARY)');
    expect(S.metadataStatement(mariadb).text).toContain('t.sch = CAST(s.SCHEMA_NAME AS BINARY)');
  });

  it('describeStatement shows each ? value, quoted as SQL', () => {
    expect(S.describeStatement(S.sessionsIn("it's"))).toMatch(/ -- \? = 'it''s'$/);
    expect(S.describeStatement(S.dropDatabase('x'))).toBe('DROP DATABASE `x`');
  });
});
