import { describe, it, expect } from '@jest/globals';
import {
  allowConnections,
  connectionLimit,
  countSessions,
  createDatabase,
  describeStatement,
  dropDatabase,
  dropDatabaseIfExists,
  forgetLimit,
  renameDatabase,
  rememberLimit,
  terminateSessions,
  vacuum,
  type Statement,
} from './postgres-statements.js';

const HOSTILE = 'x"; DROP DATABASE canary; --';
const HOSTILE_QUOTED = '"x""; DROP DATABASE canary; --"';

/** Asserts that the hostile name appears exactly once in `text`, and only inside its quoted identifier. */
function expectOnlyQuoted(text: string): void {
  expect(text.split(HOSTILE_QUOTED)).toHaveLength(2);
  expect(text.replace(HOSTILE_QUOTED, '<id>')).not.toContain('canary');
}

describe('createDatabase', () => {
  it('without options is a bare CREATE DATABASE', () => {
    expect(createDatabase('app')).toEqual({ text: 'CREATE DATABASE "app"', params: [] });
    expect(createDatabase('app', {})).toEqual({ text: 'CREATE DATABASE "app"', params: [] });
  });

  it('with every option lists them in a fixed order, identifiers quoted, literals quoted, keywords bare', () => {
    const s = createDatabase('Sales DB', {
      owner: 'app owner',
      template: 'template0',
      encoding: 'UTF8',
      strategy: 'file_copy',
      locale: 'C.UTF-8',
      lcCollate: 'en_US.UTF-8',
      lcCtype: 'en_US.UTF-8',
      localeProvider: 'icu',
      icuLocale: 'en-US',
      tablespace: 'fast ssd',
      allowConnections: false,
      connectionLimit: 50,
      isTemplate: true,
    });
    expect(s.params).toEqual([]);
    expect(s.text).toBe(
      'CREATE DATABASE "Sales DB" WITH OWNER = "app owner" TEMPLATE = "template0" ENCODING = \'UTF8\' STRATEGY = FILE_COPY ' +
        "LOCALE = 'C.UTF-8' LC_COLLATE = 'en_US.UTF-8' LC_CTYPE = 'en_US.UTF-8' LOCALE_PROVIDER = icu ICU_LOCALE = 'en-US' " +
        'TABLESPACE = "fast ssd" ALLOW_CONNECTIONS = false CONNECTION LIMIT = 50 IS_TEMPLATE = true',
    );
  });

  it.each([
    [{ owner: 'o' }, 'OWNER = "o"'],
    [{ template: 'template1' }, 'TEMPLATE = "template1"'],
    [{ encoding: 'LATIN1' }, "ENCODING = 'LATIN1'"],
    [{ strategy: 'wal_log' as const }, 'STRATEGY = WAL_LOG'],
    [{ locale: 'C' }, "LOCALE = 'C'"],
    [{ lcCollate: 'C' }, "LC_COLLATE = 'C'"],
    [{ lcCtype: 'C' }, "LC_CTYPE = 'C'"],
    [{ localeProvider: 'builtin' as const }, 'LOCALE_PROVIDER = builtin'],
    [{ localeProvider: 'libc' as const }, 'LOCALE_PROVIDER = libc'],
    [{ icuLocale: 'de-DE' }, "ICU_LOCALE = 'de-DE'"],
    [{ tablespace: 'pg_default' }, 'TABLESPACE = "pg_default"'],
    [{ allowConnections: true }, 'ALLOW_CONNECTIONS = true'],
    [{ connectionLimit: -1 }, 'CONNECTION LIMIT = -1'],
    [{ connectionLimit: 0 }, 'CONNECTION LIMIT = 0'],
    [{ isTemplate: false }, 'IS_TEMPLATE = false'],
  ])('%j alone gives WITH %s', (options, clause) => {
    expect(createDatabase('app', options).text).toBe(`CREATE DATABASE "app" WITH ${clause}`);
  });

  it('quotes hostile names and literals', () => {
    const s = createDatabase(HOSTILE, { owner: 'o"; --', encoding: "x'; DROP DATABASE canary2; --" });
    expect(s.text).toBe(`CREATE DATABASE ${HOSTILE_QUOTED} WITH OWNER = "o""; --" ENCODING = 'x''; DROP DATABASE canary2; --'`);
    expect(s.params).toEqual([]);
  });

  it('places a hostile name only inside one quoted identifier', () => {
    expectOnlyQuoted(createDatabase(HOSTILE).text);
    expect(createDatabase(HOSTILE).text).toBe(`CREATE DATABASE ${HOSTILE_QUOTED}`);
  });
});

describe('every identifier is exact or refused', () => {
  const long = 'é'.repeat(32); // 64 bytes, 32 characters
  it.each([
    ['owner', () => createDatabase('app', { owner: long })],
    ['template', () => createDatabase('app', { template: long })],
    ['tablespace', () => createDatabase('app', { tablespace: long })],
    ['database name', () => createDatabase(long)],
    ['table name', () => vacuum({ tables: [long] })],
    ['table name', () => vacuum({ tables: [{ schema: 'public', name: long }] })],
    ['schema name', () => vacuum({ tables: [{ schema: long, name: 't' }] })],
  ])('refuses a 64-byte %s', (what, build) => {
    expect(build).toThrow(new RegExp(`^Invalid ${what}: .*64 bytes`));
  });
});

describe('dropDatabase', () => {
  it('without force', () => {
    expect(dropDatabase('app')).toEqual({ text: 'DROP DATABASE "app"', params: [] });
    expect(dropDatabase('app', false)).toEqual({ text: 'DROP DATABASE "app"', params: [] });
  });

  it('with force', () => {
    expect(dropDatabase('app', true)).toEqual({ text: 'DROP DATABASE "app" WITH (FORCE)', params: [] });
  });

  it('quotes a hostile name', () => {
    expect(dropDatabase(HOSTILE).text).toBe(`DROP DATABASE ${HOSTILE_QUOTED}`);
    expect(dropDatabase(HOSTILE, true).text).toBe(`DROP DATABASE ${HOSTILE_QUOTED} WITH (FORCE)`);
    expectOnlyQuoted(dropDatabase(HOSTILE, true).text);
  });
});

describe('session statements pass the name as a parameter', () => {
  it('terminateSessions', () => {
    expect(terminateSessions(HOSTILE)).toEqual({
      text: 'select pg_catalog.pg_terminate_backend(pid) from pg_catalog.pg_stat_activity where datname = $1 and pid <> pg_catalog.pg_backend_pid()',
      params: [HOSTILE],
    });
  });

  it('countSessions', () => {
    expect(countSessions(HOSTILE)).toEqual({
      text: 'select count(*) as n from pg_catalog.pg_stat_activity where datname = $1 and pid <> pg_catalog.pg_backend_pid()',
      params: [HOSTILE],
    });
  });

  it('never put the name in the text', () => {
    expect(terminateSessions(HOSTILE).text).not.toContain('canary');
    expect(countSessions(HOSTILE).text).not.toContain('canary');
  });
});

describe('ALTER DATABASE statements', () => {
  it('allowConnections', () => {
    expect(allowConnections('app', false)).toEqual({ text: 'ALTER DATABASE "app" ALLOW_CONNECTIONS false', params: [] });
    expect(allowConnections('app', true)).toEqual({ text: 'ALTER DATABASE "app" ALLOW_CONNECTIONS true', params: [] });
    expect(allowConnections(HOSTILE, false).text).toBe(`ALTER DATABASE ${HOSTILE_QUOTED} ALLOW_CONNECTIONS false`);
    expectOnlyQuoted(allowConnections(HOSTILE, true).text);
  });

  it('connectionLimit truncates to an integer', () => {
    expect(connectionLimit('app', 1)).toEqual({ text: 'ALTER DATABASE "app" CONNECTION LIMIT 1', params: [] });
    expect(connectionLimit('app', 0).text).toBe('ALTER DATABASE "app" CONNECTION LIMIT 0');
    expect(connectionLimit('app', -1).text).toBe('ALTER DATABASE "app" CONNECTION LIMIT -1');
    expect(connectionLimit('app', 20.9).text).toBe('ALTER DATABASE "app" CONNECTION LIMIT 20');
    expect(connectionLimit(HOSTILE, 1).text).toBe(`ALTER DATABASE ${HOSTILE_QUOTED} CONNECTION LIMIT 1`);
    expectOnlyQuoted(connectionLimit(HOSTILE, 1).text);
  });

  it('rememberLimit stores the limit as a quoted setting value', () => {
    expect(rememberLimit('app', 20)).toEqual({ text: "ALTER DATABASE \"app\" SET gds.previous_connection_limit = '20'", params: [] });
    expect(rememberLimit('app', -1).text).toBe("ALTER DATABASE \"app\" SET gds.previous_connection_limit = '-1'");
    expect(rememberLimit('app', 7.5).text).toBe("ALTER DATABASE \"app\" SET gds.previous_connection_limit = '7'");
    expect(rememberLimit(HOSTILE, 20).text).toBe(`ALTER DATABASE ${HOSTILE_QUOTED} SET gds.previous_connection_limit = '20'`);
    expectOnlyQuoted(rememberLimit(HOSTILE, 20).text);
  });

  it('forgetLimit resets the setting', () => {
    expect(forgetLimit('app')).toEqual({ text: 'ALTER DATABASE "app" RESET gds.previous_connection_limit', params: [] });
    expect(forgetLimit(HOSTILE).text).toBe(`ALTER DATABASE ${HOSTILE_QUOTED} RESET gds.previous_connection_limit`);
    expectOnlyQuoted(forgetLimit(HOSTILE).text);
  });
});

describe('vacuum', () => {
  it('defaults to FULL false, ANALYZE true, the whole database', () => {
    expect(vacuum()).toEqual({ text: 'VACUUM (FULL false, ANALYZE true)', params: [] });
    expect(vacuum({})).toEqual({ text: 'VACUUM (FULL false, ANALYZE true)', params: [] });
    expect(vacuum({ tables: [] }).text).toBe('VACUUM (FULL false, ANALYZE true)');
  });

  it('full, freeze and verbose', () => {
    expect(vacuum({ full: true }).text).toBe('VACUUM (FULL true, ANALYZE true)');
    expect(vacuum({ analyze: false }).text).toBe('VACUUM (FULL false, ANALYZE false)');
    expect(vacuum({ freeze: true }).text).toBe('VACUUM (FULL false, ANALYZE true, FREEZE true)');
    expect(vacuum({ verbose: true }).text).toBe('VACUUM (FULL false, ANALYZE true, VERBOSE true)');
    expect(vacuum({ full: true, analyze: false, freeze: true, verbose: true }).text).toBe('VACUUM (FULL true, ANALYZE false, FREEZE true, VERBOSE true)');
    expect(vacuum({ freeze: false, verbose: false }).text).toBe('VACUUM (FULL false, ANALYZE true)');
  });

  it('tables as names and as { schema, name }', () => {
    expect(vacuum({ tables: ['orders'] }).text).toBe('VACUUM (FULL false, ANALYZE true) "orders"');
    expect(vacuum({ full: true, tables: [{ schema: 'public', name: 'orders' }] }).text).toBe('VACUUM (FULL true, ANALYZE true) "public"."orders"');
    expect(vacuum({ tables: ['Order Lines', { schema: 'Sales', name: 'Big "T"' }] }).text).toBe(
      'VACUUM (FULL false, ANALYZE true) "Order Lines", "Sales"."Big ""T"""',
    );
  });

  it('a dotted string is one identifier, not schema.table', () => {
    expect(vacuum({ tables: ['public.orders'] }).text).toBe('VACUUM (FULL false, ANALYZE true) "public.orders"');
  });

  it('quotes hostile table and schema names', () => {
    const s = vacuum({ tables: [HOSTILE, { schema: HOSTILE, name: 't' }] });
    expect(s.text).toBe(`VACUUM (FULL false, ANALYZE true) ${HOSTILE_QUOTED}, ${HOSTILE_QUOTED}."t"`);
    expect(s.params).toEqual([]);
    expectOnlyQuoted(vacuum({ tables: [HOSTILE] }).text);
  });
});

describe('describeStatement', () => {
  it('is the text alone without params', () => {
    expect(describeStatement({ text: 'select 1', params: [] })).toBe('select 1');
    expect(describeStatement(dropDatabase('app', true))).toBe('DROP DATABASE "app" WITH (FORCE)');
  });

  it('appends the params as a comment, strings as literals, others as text', () => {
    const s: Statement = { text: 'select $1, $2, $3, $4, $5', params: ['x', 42, true, null, "it's"] };
    expect(describeStatement(s)).toBe("select $1, $2, $3, $4, $5 -- $1 = 'x', $2 = 42, $3 = true, $4 = null, $5 = 'it''s'");
    expect(describeStatement({ text: 'select $1', params: ['a\\b'] })).toBe("select $1 -- $1 = E'a\\\\b'");
    expect(describeStatement({ text: 'select $1', params: [undefined] })).toBe('select $1 -- $1 = undefined');
  });

  it('describes the session statements with the name quoted as a literal', () => {
    expect(describeStatement(countSessions('app'))).toBe(
      "select count(*) as n from pg_catalog.pg_stat_activity where datname = $1 and pid <> pg_catalog.pg_backend_pid() -- $1 = 'app'",
    );
    expect(describeStatement(terminateSessions(HOSTILE))).toBe(
      `select pg_catalog.pg_terminate_backend(pid) from pg_catalog.pg_stat_activity where datname = $1 and pid <> pg_catalog.pg_backend_pid() -- $1 = '${HOSTILE}'`,
    );
  });
});

describe('the restore side-database statements', () => {
  it('quote both names exactly; IF EXISTS with FORCE only when asked', () => {
    expect(dropDatabaseIfExists('gds_restore_1', true)).toEqual({ text: 'DROP DATABASE IF EXISTS "gds_restore_1" WITH (FORCE)', params: [] });
    expect(dropDatabaseIfExists('gds_restore_1', false).text).toBe('DROP DATABASE IF EXISTS "gds_restore_1"');
    expect(renameDatabase(HOSTILE, 'app').text).toBe(`ALTER DATABASE ${HOSTILE_QUOTED} RENAME TO "app"`);
    expectOnlyQuoted(dropDatabaseIfExists(HOSTILE, true).text);
    expect(() => renameDatabase('app', 'x'.repeat(64))).toThrow(/64 bytes/);
  });
});
