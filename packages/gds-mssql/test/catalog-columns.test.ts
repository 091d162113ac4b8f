// Every column the provider's queries read exists in the column lists transcribed from Microsoft's
// pages (test/evidence/catalog-columns.json), and the error numbers the error table maps are the
// documented ones (test/evidence/docs.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { MSSQL_ERROR_NUMBERS, MSSQL_TRAILER_NUMBERS } from '../src/mssql-errors.js';
import { BACKUP_HISTORY_SQL } from '../src/mssql-backup.js';
import { AG_SQL, FAILOVER_READY_SQL } from '../src/mssql-ha.js';
import { DATABASES_SQL, FILES_SQL, LAST_BACKUPS_SQL } from '../src/mssql-metadata.js';
import * as S from '../src/mssql-statements.js';

const evidence = (f: string) => JSON.parse(readFileSync(join(__dirname, 'evidence', f), 'utf8')) as Record<string, unknown>;
const columns = evidence('catalog-columns.json') as Record<string, { columns: string[] }>;
const docs = evidence('docs.json') as { errors: { read: Record<string, [number, string]>; notInCurrentTable: Record<string, string> } };

/** `alias.column` references of a query, resolved through its `FROM|JOIN <view> <alias>` clauses. */
function references(sql: string): Array<[string, string]> {
  const aliases = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+((?:\[[^\]]+\]|\w+)(?:\.\w+)+)\s+(\w+)/gi)) {
    const view = (m[1] ?? '').replace(/^\[[^\]]+\]\./, '');
    aliases.set(m[2] ?? '', view);
  }
  const out: Array<[string, string]> = [];
  for (const m of sql.matchAll(/\b(\w+)\.(\w+)\b/g)) {
    const view = aliases.get(m[1] ?? '');
    if (view) out.push([view, m[2] ?? '']);
  }
  return out;
}

const QUERIES: Record<string, string> = {
  DATABASES_SQL,
  FILES_SQL,
  LAST_BACKUPS_SQL,
  BACKUP_HISTORY_SQL,
  AG_SQL,
  FAILOVER_READY_SQL,
  databaseState: S.databaseState('x').text,
  filegroups: 'SELECT fg.data_space_id, fg.name, fg.type_desc, fg.is_default, fg.is_read_only FROM [x].sys.filegroups fg',
  listTables: S.listTables('x', 'dbo').text,
  listSchemas: S.listSchemas('x', false).text,
};

describe('catalog columns (MicrosoftDocs/sql-docs)', () => {
  it.each(Object.entries(QUERIES))('%s reads only documented columns', (_name, sql) => {
    const refs = references(sql);
    expect(refs.length).toBeGreaterThan(0);
    for (const [view, column] of refs) {
      expect({ view, column, documented: columns[view]?.columns.includes(column) ?? `no column list for ${view}` }).toEqual({ view, column, documented: true });
    }
  });

  it('the unqualified reads: sys.dm_exec_sessions in the session count', () => {
    for (const c of ['database_id', 'is_user_process', 'session_id']) expect(S.countSessions('x').text).toContain(c);
    for (const c of ['database_id', 'is_user_process', 'session_id']) expect(columns['sys.dm_exec_sessions']?.columns).toContain(c);
  });

  it('finds the references it checks (the parser is not vacuous)', () => {
    expect(references('SELECT d.nope FROM sys.databases d')).toEqual([['sys.databases', 'nope']]);
    expect(columns['sys.databases']?.columns.includes('nope')).toBe(false);
  });
});

describe('error numbers (MicrosoftDocs/sql-docs error tables)', () => {
  it('every number of the table that is not a login or driver number was read in the documented tables, or is listed as missing there', () => {
    const login = [18452, 18456, 18470, 18486, 18487, 18488, 4060, 15010, 229, 230, 262, 300, 15247, 1801, 1205, 1222, 3980, 3147, 3204, 40517, 5002, 5006, 5030];
    const unread = Object.keys(MSSQL_ERROR_NUMBERS).map(Number).filter((n) => !login.includes(n) && docs.errors.read[String(n)] === undefined && docs.errors.notInCurrentTable[String(n)] === undefined);
    expect(unread).toEqual([]);
    for (const n of MSSQL_TRAILER_NUMBERS.filter((x) => x !== 3621)) expect(docs.errors.read[String(n)]).toBeDefined();
  });
});
