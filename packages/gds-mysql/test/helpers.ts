// Direct mysql2 access for tests: another client's sessions, seeding and fingerprints, never
// through gds (so a gds bug cannot hide itself).
import type { Database } from '@gds/database';
import { createConnection, type Connection } from 'mysql2/promise';
import { parseMysqlUrl } from '../src/mysql-config.js';

/** A plain mysql2 session to `url`, in `database` when given. */
export async function rawSession(url: string, database?: string): Promise<Connection> {
  const c = parseMysqlUrl(url);
  const password = typeof c.password === 'string' ? c.password : c.password?.reveal();
  return createConnection({ host: c.host ?? '127.0.0.1', port: c.port ?? 3306, user: c.user ?? 'root', password: password ?? '', ...(database ? { database } : {}), multipleStatements: false });
}

/** Rows of one statement on a throwaway session. */
export async function rawQuery<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = [], database?: string): Promise<T[]> {
  const s = await rawSession(url, database);
  try {
    const [rows] = params.length ? await s.execute(sql, params as never) : await s.query(sql);
    return (Array.isArray(rows) ? rows : []) as T[];
  } finally {
    await s.end();
  }
}

const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;

/** Puts two tables with rows (and a view) into `db`. */
export async function seed(url: string, db: Database, rows = 200): Promise<void> {
  const s = await rawSession(url, db.name);
  try {
    await s.query('CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(100) NOT NULL, price DECIMAL(10,2)) ENGINE=InnoDB');
    await s.query('CREATE TABLE `odd ``name`` t` (k VARCHAR(20) PRIMARY KEY, v TEXT) ENGINE=InnoDB');
    for (let i = 0; i < rows; i += 50) {
      const values = Array.from({ length: Math.min(50, rows - i) }, (_, j) => [i + j, `item ${i + j} ünï'"`, (i + j) * 1.25]);
      await s.query('INSERT INTO items (id, label, price) VALUES ?', [values]);
    }
    await s.execute('INSERT INTO `odd ``name`` t` VALUES (?, ?), (?, ?)', ['a', 'x\ny', 'b', null]);
    await s.query('CREATE VIEW cheap AS SELECT id FROM items WHERE price < 10');
  } finally {
    await s.end();
  }
}

/** Row counts and a checksum of every table of `db` (by its own SQL, not gds). */
export async function fingerprint(url: string, db: Database): Promise<Record<string, { rows: number; checksum: string }>> {
  const tables = await rawQuery<{ name: string }>(url, "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", [db.name]);
  const out: Record<string, { rows: number; checksum: string }> = {};
  for (const { name } of tables) {
    const [count] = await rawQuery<{ n: number }>(url, `SELECT COUNT(*) AS n FROM ${q(db.name)}.${q(name)}`);
    const [sum] = await rawQuery<{ Checksum: string | number | null }>(url, `CHECKSUM TABLE ${q(db.name)}.${q(name)} EXTENDED`);
    out[name] = { rows: Number(count?.n), checksum: String(sum?.Checksum) };
  }
  return out;
}
