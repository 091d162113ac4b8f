import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  aclEntries,
  carryOverStatements,
  freshProperties,
  LIST_QUOTE_SETTINGS,
  propertyDifferences,
  setClause,
  sideCreateOptions,
  splitSettingList,
  type DatabaseProperties,
} from './postgres-db-properties.js';

const evidence = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', 'pg-dump-config-quoting.json'), 'utf8')) as {
  listQuoteSettings: string[];
  cases: { item: string; clause: string }[];
};

const OWNER_ACL = { grantee: 'app_owner', grantor: 'app_owner', privileges: ['CREATE', 'TEMPORARY', 'CONNECT'], grantable: [] };
const PUBLIC_ACL = { grantee: null, grantor: 'app_owner', privileges: ['TEMPORARY', 'CONNECT'], grantable: [] };

const old: DatabaseProperties = {
  owner: 'app_owner',
  encoding: 'UTF8',
  collate: 'C.UTF-8',
  ctype: 'C.UTF-8',
  localeProvider: 'i',
  icuLocale: 'de-DE',
  icuRules: null,
  tablespace: 'pg_default',
  isTemplate: true,
  allowConnections: false,
  connectionLimit: 25,
  acl: [OWNER_ACL, { grantee: 'r', grantor: 'app_owner', privileges: ['CONNECT'], grantable: [] }, { grantee: 'a', grantor: 'app_owner', privileges: [], grantable: ['CONNECT'] }, { grantee: 'g', grantor: 'a', privileges: ['CONNECT'], grantable: [] }],
  aclIsDefault: false,
  defaultAcl: [PUBLIC_ACL, OWNER_ACL],
  comment: "it's",
  securityLabels: [],
  settings: [{ role: null, config: ['work_mem=64MB'] }, { role: 'odd "r"', config: ['search_path="a b", public'] }],
};

describe('setting quoting (pg_dump makeAlterConfigCommand, test/evidence/pg-dump-config-quoting.json)', () => {
  it('the list settings are the ones pg_dump knows', () => {
    expect([...LIST_QUOTE_SETTINGS].sort()).toEqual([...evidence.listQuoteSettings].sort());
  });
  it.each(evidence.cases.map((c) => [c.item, c.clause] as const))('%s -> %s', (item, clause) => {
    expect(setClause(item)).toBe(clause);
  });
  it('an item without "=" is skipped, as pg_dump does', () => {
    expect(setClause('nonsense')).toBeUndefined();
  });
  it('splits lists like SplitGUCList and refuses what it refuses', () => {
    expect(splitSettingList('  a ,  "b ""c"", d" ,e')).toEqual(['a', 'b "c", d', 'e']);
    expect(splitSettingList('')).toEqual([]);
    expect(splitSettingList('"open')).toBeUndefined();
    expect(splitSettingList('a,,b')).toBeUndefined();
    expect(splitSettingList('a b')).toBeUndefined();
  });
  it('a list value that does not split is kept as one literal (the check after the restore then refuses a difference)', () => {
    expect(setClause('search_path="open')).toBe(`SET "search_path" TO '"open'`);
  });
});

describe('aclEntries', () => {
  it('groups aclexplode rows per item, in order, with and without grant option', () => {
    expect(
      aclEntries([
        { n: 1, grantor: 'o', grantee: 'o', privilege: 'CREATE', grantable: false },
        { n: 1, grantor: 'o', grantee: 'o', privilege: 'CONNECT', grantable: false },
        { n: 2, grantor: 'o', grantee: null, privilege: 'CONNECT', grantable: false },
        { n: 3, grantor: 'o', grantee: 'a', privilege: 'CREATE', grantable: true },
        { n: 3, grantor: 'o', grantee: 'a', privilege: 'CONNECT', grantable: false },
      ]),
    ).toEqual([
      { grantee: 'o', grantor: 'o', privileges: ['CREATE', 'CONNECT'], grantable: [] },
      { grantee: null, grantor: 'o', privileges: ['CONNECT'], grantable: [] },
      { grantee: 'a', grantor: 'o', privileges: ['CONNECT'], grantable: ['CREATE'] },
    ]);
  });
});

describe('carryOverStatements', () => {
  it('from a fresh side database: everything, in order, the template and offline flags last', () => {
    const texts = carryOverStatements('side', old, freshProperties(old)).map((s) => s.text);
    expect(texts).toEqual([
      `COMMENT ON DATABASE "side" IS 'it''s'`,
      `ALTER DATABASE "side" SET "work_mem" TO '64MB'`,
      `ALTER ROLE "odd ""r""" IN DATABASE "side" SET "search_path" TO 'a b', 'public'`,
      'ALTER DATABASE "side" CONNECTION LIMIT 25',
      'REVOKE ALL ON DATABASE "side" FROM PUBLIC',
      'REVOKE ALL ON DATABASE "side" FROM "app_owner"',
      'GRANT CREATE, TEMPORARY, CONNECT ON DATABASE "side" TO "app_owner"',
      'GRANT CONNECT ON DATABASE "side" TO "r"',
      'GRANT CONNECT ON DATABASE "side" TO "a" WITH GRANT OPTION',
      'SET ROLE "a"; GRANT CONNECT ON DATABASE "side" TO "g"; RESET ROLE',
      'ALTER DATABASE "side" ALLOW_CONNECTIONS false',
      'ALTER DATABASE "side" IS_TEMPLATE true',
    ]);
  });
  it('an ACL with everything revoked (even from the owner) becomes the empty ACL again', () => {
    const want: DatabaseProperties = { ...old, acl: [] };
    const fresh = freshProperties(old);
    expect(carryOverStatements('side', want, { ...fresh, isTemplate: true, allowConnections: false, connectionLimit: 25, comment: "it's", settings: old.settings }).map((s) => s.text)).toEqual([
      'REVOKE ALL ON DATABASE "side" FROM PUBLIC',
      'REVOKE ALL ON DATABASE "side" FROM "app_owner"',
    ]);
  });
  it('nothing when the side already holds the same properties', () => {
    expect(carryOverStatements('side', old, old)).toEqual([]);
  });
  it('takes away what the side has and the old one had not: settings, comment, labels', () => {
    const side: DatabaseProperties = { ...old, comment: 'from the dump', securityLabels: [{ provider: 'selinux', label: 'x' }], settings: [{ role: null, config: ['work_mem=1MB'] }, { role: 'extra', config: ['a.b=c'] }] };
    const want: DatabaseProperties = { ...old, comment: null, settings: [{ role: null, config: ['work_mem=64MB'] }] };
    expect(carryOverStatements('side', want, side).map((s) => s.text)).toEqual([
      'COMMENT ON DATABASE "side" IS NULL',
      'SECURITY LABEL FOR "selinux" ON DATABASE "side" IS NULL',
      'ALTER DATABASE "side" RESET ALL',
      `ALTER DATABASE "side" SET "work_mem" TO '64MB'`,
      'ALTER ROLE "extra" IN DATABASE "side" RESET ALL',
    ]);
  });
  it('a security label is set with its provider quoted and the label a literal', () => {
    const want: DatabaseProperties = { ...old, securityLabels: [{ provider: 'dummy', label: "sys'tem" }] };
    expect(carryOverStatements('side', want, old).map((s) => s.text)).toEqual([`SECURITY LABEL FOR "dummy" ON DATABASE "side" IS 'sys''tem'`]);
  });
  it('refuses a privilege a database ACL cannot hold (it would go into the statement unquoted)', () => {
    const want: DatabaseProperties = { ...old, acl: [{ grantee: 'x', grantor: 'app_owner', privileges: ['CONNECT; DROP'], grantable: [] }] };
    expect(() => carryOverStatements('side', want, freshProperties(old))).toThrow(/unexpected database privilege/);
  });
  it('hostile names go through the one quoting function; a name over 63 bytes is refused', () => {
    const want: DatabaseProperties = { ...old, acl: [{ grantee: 'x"; drop', grantor: 'app_owner', privileges: ['CONNECT'], grantable: [] }] };
    expect(carryOverStatements('s"; x', want, { ...want, acl: [] }).map((s) => s.text)).toEqual(['GRANT CONNECT ON DATABASE "s""; x" TO "x""; drop"']);
    expect(() => carryOverStatements('s'.repeat(64), want, freshProperties(old))).toThrow(/63 bytes/);
  });
});

describe('sideCreateOptions and propertyDifferences', () => {
  it('creates the side database with the owner, encoding, locales, provider and tablespace', () => {
    expect(sideCreateOptions(old, 150004)).toEqual({ template: 'template0', owner: 'app_owner', encoding: 'UTF8', lcCollate: 'C.UTF-8', lcCtype: 'C.UTF-8', localeProvider: 'icu', icuLocale: 'de-DE' });
    expect(sideCreateOptions({ ...old, localeProvider: 'c', icuLocale: null, tablespace: 'fast' }, 140000)).toEqual({ template: 'template0', owner: 'app_owner', encoding: 'UTF8', lcCollate: 'C.UTF-8', lcCtype: 'C.UTF-8', tablespace: 'fast' });
  });
  it('names each differing property, and none for equal ones', () => {
    expect(propertyDifferences(old, old)).toEqual([]);
    expect(propertyDifferences(old, freshProperties(old))).toEqual(['isTemplate', 'allowConnections', 'connectionLimit', 'acl', 'comment', 'settings']);
    expect(propertyDifferences(old, { ...old, icuRules: '&a < b' })).toEqual(['icuRules']);
  });
});
