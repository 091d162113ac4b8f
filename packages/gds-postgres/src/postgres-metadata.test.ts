import { describe, it, expect } from '@jest/globals';
import { AccessMode, DatabaseState } from '@gds/database';
import { METADATA_SQL, PREVIOUS_LIMIT_SETTING, rowToMetadata, type MetadataRow } from './postgres-metadata.js';

/** A row as METADATA_SQL returns it from PostgreSQL 15/16 (`daticulocale`); `d` is to_jsonb(pg_database). */
function row(d: Record<string, unknown> = {}, rest: Partial<Omit<MetadataRow, 'd'>> = {}): MetadataRow {
  return {
    d: {
      oid: 16384,
      datname: 'app',
      datdba: 10,
      encoding: 6,
      datlocprovider: 'c',
      datistemplate: false,
      datallowconn: true,
      datconnlimit: -1,
      datfrozenxid: '717',
      datminmxid: '1',
      dattablespace: 1663,
      datcollate: 'en_US.UTF-8',
      datctype: 'en_US.UTF-8',
      daticulocale: null,
      daticurules: null,
      datcollversion: '2.36',
      datacl: null,
      ...d,
    },
    owner: 'app_owner',
    encoding: 'UTF8',
    tablespace: 'pg_default',
    size_bytes: '7631663',
    sessions: '0',
    settings: null,
    ...rest,
  };
}

describe('METADATA_SQL', () => {
  it('takes the name and the template flag as parameters', () => {
    expect(METADATA_SQL).toContain('d.datname = $1::text');
    expect(METADATA_SQL).toContain('$2::boolean');
    expect(METADATA_SQL).toContain('to_jsonb(d) as d');
    expect(PREVIOUS_LIMIT_SETTING).toBe('gds.previous_connection_limit');
  });
});

describe('rowToMetadata', () => {
  it('maps a plain online multi-user database', () => {
    expect(rowToMetadata(row())).toEqual({
      name: 'app',
      type: 'postgresql',
      owner: 'app_owner',
      sizeBytes: 7631663,
      collation: 'en_US.UTF-8',
      state: DatabaseState.ONLINE,
      accessMode: AccessMode.MULTI_USER,
      encoding: 'UTF8',
      lcCollate: 'en_US.UTF-8',
      lcCtype: 'en_US.UTF-8',
      localeProvider: 'libc',
      icuLocale: undefined,
      tablespace: 'pg_default',
      connectionLimit: -1,
      allowConnections: true,
      isTemplate: false,
      sessions: 0,
      previousConnectionLimit: undefined,
      additionalAttributes: { oid: 16384, frozenXid: '717' },
    });
  });

  it('state: online when datallowconn is true, offline when false', () => {
    expect(rowToMetadata(row({ datallowconn: true })).state).toBe(DatabaseState.ONLINE);
    const off = rowToMetadata(row({ datallowconn: false }));
    expect(off.state).toBe(DatabaseState.OFFLINE);
    expect(off.allowConnections).toBe(false);
    expect(rowToMetadata(row({ datallowconn: undefined })).state).toBe(DatabaseState.ONLINE);
  });

  it.each([
    [1, AccessMode.SINGLE_USER],
    [0, AccessMode.RESTRICTED_USER],
    [-1, AccessMode.MULTI_USER],
    [20, AccessMode.MULTI_USER],
    [2, AccessMode.MULTI_USER],
  ])('connection limit %d -> access mode %s', (limit, mode) => {
    const m = rowToMetadata(row({ datconnlimit: limit }));
    expect(m.accessMode).toBe(mode);
    expect(m.connectionLimit).toBe(limit);
  });

  it('the state and access mode values are the documented strings', () => {
    expect(rowToMetadata(row({ datallowconn: false, datconnlimit: 1 }))).toMatchObject({ state: 'offline', accessMode: 'single_user' });
    expect(rowToMetadata(row({ datallowconn: true, datconnlimit: 0 }))).toMatchObject({ state: 'online', accessMode: 'restricted_user' });
    expect(rowToMetadata(row({ datconnlimit: 20 }))).toMatchObject({ state: 'online', accessMode: 'multi_user' });
  });

  it('a missing connection limit is -1 (multi_user)', () => {
    const m = rowToMetadata(row({ datconnlimit: undefined }));
    expect(m.connectionLimit).toBe(-1);
    expect(m.accessMode).toBe(AccessMode.MULTI_USER);
  });

  it.each([
    ['c', 'libc'],
    ['i', 'icu'],
    ['b', 'builtin'],
    ['x', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('datlocprovider %j -> localeProvider %j', (provider, expected) => {
    expect(rowToMetadata(row({ datlocprovider: provider })).localeProvider).toBe(expected);
  });

  it('icuLocale from daticulocale (PostgreSQL 15/16)', () => {
    const m = rowToMetadata(row({ datlocprovider: 'i', daticulocale: 'en-US', datcollate: 'en_US.UTF-8' }));
    expect(m.localeProvider).toBe('icu');
    expect(m.icuLocale).toBe('en-US');
    expect(m.collation).toBe('en_US.UTF-8');
  });

  it('icuLocale from datlocale (PostgreSQL 17+, where daticulocale is gone)', () => {
    const d: Record<string, unknown> = { datlocprovider: 'i', datlocale: 'de-DE' };
    const r = row(d);
    delete r.d.daticulocale;
    const m = rowToMetadata(r);
    expect(m.icuLocale).toBe('de-DE');
    expect(rowToMetadata(row({ datlocprovider: 'b', datlocale: 'C.UTF-8' })).icuLocale).toBe('C.UTF-8');
  });

  it('datlocale wins over daticulocale, and empty strings count as absent', () => {
    expect(rowToMetadata(row({ datlocale: 'fr-FR', daticulocale: 'en-US' })).icuLocale).toBe('fr-FR');
    expect(rowToMetadata(row({ datlocale: '', daticulocale: 'en-US' })).icuLocale).toBe('en-US');
    expect(rowToMetadata(row({ datlocale: '', daticulocale: '' })).icuLocale).toBeUndefined();
  });

  it('collation falls back to the ICU locale when datcollate is empty', () => {
    expect(rowToMetadata(row({ datcollate: '', datlocale: 'und-x-icu' })).collation).toBe('und-x-icu');
    expect(rowToMetadata(row({ datcollate: '', daticulocale: 'en-US' })).collation).toBe('en-US');
    expect(rowToMetadata(row({ datcollate: '' })).collation).toBeUndefined();
  });

  it('sizeBytes: undefined when size_bytes is null (no CONNECT privilege), a number otherwise', () => {
    expect(rowToMetadata(row({}, { size_bytes: null })).sizeBytes).toBeUndefined();
    expect(rowToMetadata(row({}, { size_bytes: '7631663' })).sizeBytes).toBe(7631663);
    expect(rowToMetadata(row({}, { size_bytes: '0' })).sizeBytes).toBe(0);
    expect(rowToMetadata(row({}, { size_bytes: '1099511627776' })).sizeBytes).toBe(1099511627776);
  });

  it('previousConnectionLimit from the gds setting among the database settings', () => {
    const m = rowToMetadata(row({ datconnlimit: 1 }, { settings: ['gds.previous_connection_limit=20', 'work_mem=4MB'] }));
    expect(m.previousConnectionLimit).toBe(20);
    expect(m.accessMode).toBe(AccessMode.SINGLE_USER);
    expect(m.additionalAttributes).toEqual({ oid: 16384, frozenXid: '717', settings: ['gds.previous_connection_limit=20', 'work_mem=4MB'] });
    expect(rowToMetadata(row({}, { settings: ['work_mem=4MB', 'gds.previous_connection_limit=-1'] })).previousConnectionLimit).toBe(-1);
  });

  it('no previousConnectionLimit without the setting', () => {
    expect(rowToMetadata(row({}, { settings: ['work_mem=4MB'] })).previousConnectionLimit).toBeUndefined();
    expect(rowToMetadata(row({}, { settings: null })).previousConnectionLimit).toBeUndefined();
    expect(rowToMetadata(row({}, { settings: [] })).additionalAttributes).toEqual({ oid: 16384, frozenXid: '717' });
    // a setting whose name merely starts the same is not it
    expect(rowToMetadata(row({}, { settings: ['gds.previous_connection_limit_x=5'] })).previousConnectionLimit).toBeUndefined();
  });

  it('sessions is a number', () => {
    expect(rowToMetadata(row({}, { sessions: '3' })).sessions).toBe(3);
    expect(rowToMetadata(row({}, { sessions: '0' })).sessions).toBe(0);
  });

  it('isTemplate only when datistemplate is true', () => {
    expect(rowToMetadata(row({ datistemplate: true, datname: 'template1' })).isTemplate).toBe(true);
    expect(rowToMetadata(row({ datistemplate: false })).isTemplate).toBe(false);
    expect(rowToMetadata(row({ datistemplate: undefined })).isTemplate).toBe(false);
  });

  it('tablespace defaults to pg_default when the join found none', () => {
    expect(rowToMetadata(row({}, { tablespace: null })).tablespace).toBe('pg_default');
    expect(rowToMetadata(row({}, { tablespace: 'fast' })).tablespace).toBe('fast');
  });

  it('keeps a hostile name exactly', () => {
    expect(rowToMetadata(row({ datname: 'x"; DROP DATABASE canary; --' })).name).toBe('x"; DROP DATABASE canary; --');
  });
});
