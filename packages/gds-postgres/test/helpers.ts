// Shared helpers of the PostgreSQL integration tests: data seeding and a data fingerprint.
import type { Database } from '@gds/database';
import type { PostgreSQLConnection } from '../src/index.js';

/** Creates two tables (one partitioned) with rows in `db`. */
export async function seed(db: Database, rows = 500): Promise<void> {
  const pg = db.connection as PostgreSQLConnection;
  const database = db.name;
  await pg.query('create table public.orders (id int primary key, customer text not null, amount numeric(10,2))', [], { database });
  await pg.query(`insert into public.orders select g, 'customer ' || (g % 37), (g * 1.25)::numeric(10,2) from generate_series(1, $1::int) g`, [rows], { database });
  await pg.query('create schema sales', [], { database });
  await pg.query('create table sales.events (id int, at date not null, note text) partition by range (at)', [], { database });
  await pg.query("create table sales.events_2026 partition of sales.events for values from ('2026-01-01') to ('2027-01-01')", [], { database });
  await pg.query("insert into sales.events select g, date '2026-01-01' + (g % 300), repeat('x', g % 50) from generate_series(1, $1::int) g", [rows], { database });
  await pg.release(database);
}

/** Row counts and an md5 of every row, per table: equal fingerprints mean equal data. */
export async function fingerprint(db: Database): Promise<Record<string, { rows: number; md5: string }>> {
  const pg = db.connection as PostgreSQLConnection;
  const database = db.name;
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const table of ['public.orders', 'sales.events']) {
    const r = await pg.query<{ n: string; h: string }>(`select count(*) as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${table} t`, [], { database });
    out[table] = { rows: Number(r[0]?.n), md5: String(r[0]?.h) };
  }
  await pg.release(database);
  return out;
}
