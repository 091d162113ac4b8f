// The PostgreSQL statement catalog (format: /work/notes/catalog-format.md, shared with the other
// engines): every statement PostgreSQLDatabase would send, as its dry runs return them
// (OperationResult.statements) over a matrix of operations and options, on a real throwaway
// server (startPostgres). The checked-in evidence/statement-catalog.json must equal a fresh
// generation on the same server major version (GDS_UPDATE_CATALOG=1 rewrites it); the grammar
// check (packages/gds-testkit/test/statement-grammar.peer.test.ts) parses every statement.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager } from '@gds/database';
import { findPostgresBinaries, postgresMissingReason, startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLConnection, PostgreSQLDatabase } from '../src/index.js';

const CATALOG = join(__dirname, 'evidence', 'statement-catalog.json');

/** One catalog entry (operation, options as given, server major version, statements). */
interface CatalogEntry {
  operation: string;
  options: Record<string, unknown>;
  database?: string;
  server: string;
  statements: string[];
}

/** The names each case runs on: a plain one and one that needs quoting. */
const NAMES = ['app', `gds "cat"; x`];

type Case = readonly [string, Record<string, unknown>, (db: PostgreSQLDatabase, o: Record<string, unknown>) => Promise<{ readonly statements: readonly string[] }>];
const create = (o: Record<string, unknown>): Case => ['create', o, (db, opts) => db.create({ ...opts, dryRun: true })];
const vacuum = (o: Record<string, unknown>): Case => ['vacuum', o, (db, opts) => db.vacuum({ ...opts, dryRun: true })];

/** The matrix: [operation, options, call]. The database exists (and has a table) before each call. */
const CASES: readonly Case[] = [
  ...[
    {},
    { owner: 'gds_cat_owner' },
    { encoding: 'UTF8', template: 'template0', lcCollate: 'C', lcCtype: 'C' },
    { locale: 'C', template: 'template0' },
    { localeProvider: 'icu', icuLocale: 'en-US', template: 'template0' },
    { connectionLimit: 7, isTemplate: false, allowConnections: true },
    { strategy: 'file_copy' },
    { tablespace: 'pg_default' },
  ].map(create),
  ['drop', {}, (db) => db.drop({ dryRun: true })],
  ['drop', { force: true }, (db) => db.drop({ force: true, dryRun: true })],
  ['setOffline', {}, (db) => db.setOffline({ dryRun: true })],
  ['setOffline', { force: true }, (db) => db.setOffline({ force: true, dryRun: true })],
  ['setSingleUserMode', { force: true }, (db) => db.setSingleUserMode({ force: true, dryRun: true })],
  ['setRestrictedUserMode', { force: true }, (db) => db.setRestrictedUserMode({ force: true, dryRun: true })],
  ...[{}, { full: true }, { analyze: false }, { freeze: true, verbose: true }, { tables: ['orders', { schema: 'sales', name: 'odd "t"' }] }].map(vacuum),
];

/** Generates the catalog on `manager`'s server. */
async function generate(manager: DatabaseManager, server: string): Promise<CatalogEntry[]> {
  const conn = manager.connection as PostgreSQLConnection;
  const out: CatalogEntry[] = [];
  for (const name of NAMES) {
    for (const [operation, options, call] of CASES) {
      const db = manager.getDatabase(name) as PostgreSQLDatabase;
      if (operation === 'create') {
        if (await db.exists()) await db.drop({ force: true });
      } else if (!(await db.exists())) {
        await db.create();
        await conn.query('create schema sales', [], { database: name });
        await conn.query('create table public.orders (id int)', [], { database: name });
        await conn.query('create table sales."odd ""t""" (id int)', [], { database: name });
        await conn.release(name);
      }
      const result = await call(db, options);
      out.push({ operation, options, database: name, server, statements: [...result.statements] });
    }
  }
  for (const name of NAMES) if (await manager.getDatabase(name).exists()) await manager.getDatabase(name).drop({ force: true });
  return out;
}

/** The catalog as checked in: 2-space JSON and a final newline. */
export function renderCatalog(entries: readonly CatalogEntry[]): string {
  return `${JSON.stringify(entries, null, 2)}\n`;
}

const missing = findPostgresBinaries() ? undefined : postgresMissingReason();
if (missing) process.stderr.write(`SKIP postgres statement catalog: ${missing}\n`);
(missing ? describe.skip : describe)('PostgreSQL statement catalog (dry runs on a real throwaway server)', () => {
  let cluster: PostgresCluster;
  let manager: DatabaseManager;
  beforeAll(async () => {
    cluster = await startPostgres();
    manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
    await (manager.connection as PostgreSQLConnection).query('create role gds_cat_owner');
  }, 120_000);
  afterAll(async () => {
    await manager?.close();
    await cluster?.stop();
  }, 60_000);

  it('evidence/statement-catalog.json equals a fresh generation (GDS_UPDATE_CATALOG=1 rewrites it)', async () => {
    const version = (await (manager.connection as PostgreSQLConnection).query<{ server_version_num: string }>('show server_version_num'))[0]!.server_version_num;
    const server = String(Math.floor(Number(version) / 10000));
    const fresh = renderCatalog(await generate(manager, server));
    if (process.env.GDS_UPDATE_CATALOG === '1') writeFileSync(CATALOG, fresh);
    const stored = readFileSync(CATALOG, 'utf8');
    const storedServer = (JSON.parse(stored) as CatalogEntry[])[0]?.server;
    if (storedServer !== server) {
      process.stderr.write(`SKIP postgres statement catalog staleness: the catalog was generated on PostgreSQL ${storedServer}, this server is ${server}\n`);
      return;
    }
    expect(fresh).toBe(stored);
    const entries = JSON.parse(stored) as CatalogEntry[];
    expect(entries.length).toBe(CASES.length * NAMES.length);
    expect(entries.every((e) => e.statements.length > 0)).toBe(true);
  }, 300_000);
});
