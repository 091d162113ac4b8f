/**
 * sqlfluff (PyPI, an independent SQL grammar) as a checker of the statements gds generates:
 * {@link sqlfluffParse} parses each statement on its own with `sqlfluff parse --format json`
 * and reports which ones the grammar could not parse, and the statement kind it recognised.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPeer } from './cache.js';

/** The dialects the grammar check uses. */
export type SqlfluffDialect = 'postgres' | 'tsql' | 'snowflake';

/** sqlfluff's verdict on one statement. */
export interface SqlfluffVerdict {
  /** The statement, as given. */
  statement: string;
  /** True when no part of it was unparsable. */
  parsed: boolean;
  /** The first segment kind under `statement` (e.g. `create_database_statement`), if any. */
  kind: string | undefined;
  /** The unparsable text, when not parsed. */
  unparsable: string | undefined;
}

type Tree = unknown;

function collect(tree: Tree, key: string, out: Tree[]): void {
  if (Array.isArray(tree)) for (const t of tree) collect(t, key, out);
  else if (tree && typeof tree === 'object') {
    for (const [k, v] of Object.entries(tree)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  }
}

function text(tree: Tree): string {
  if (typeof tree === 'string') return tree;
  if (Array.isArray(tree)) return tree.map(text).join('');
  if (tree && typeof tree === 'object') return Object.values(tree).map(text).join('');
  return '';
}

/**
 * Parses every statement (each in a file of its own, one sqlfluff run for all) with `dialect`.
 *
 * ### Examples
 * ```ts
 * const [v] = await sqlfluffParse('postgres', ['CREATE DATABASE "x"']);
 * v.parsed; // true
 * v.kind;   // 'create_database_statement'
 * ```
 */
export async function sqlfluffParse(dialect: SqlfluffDialect, statements: readonly string[]): Promise<SqlfluffVerdict[]> {
  const bin = findPeer('sqlfluff')?.sqlfluff;
  if (!bin) throw new Error('sqlfluff is not installed: run bash scripts/install-peers.sh');
  if (statements.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'gds-sqlfluff-'));
  try {
    const files = statements.map((s, i) => {
      const file = join(dir, `s${String(i).padStart(5, '0')}.sql`);
      writeFileSync(file, `${s}\n`);
      return file;
    });
    const stdout = await new Promise<string>((resolve, reject) => {
      // exit code 1 means "some file had unparsable parts"; the JSON says which
      execFile(bin, ['parse', '--dialect', dialect, '--format', 'json', '--nofail', dir], { maxBuffer: 512 * 1024 * 1024, timeout: 600_000 }, (error, out, err) => {
        if (error && !out) reject(new Error(`sqlfluff parse failed: ${error.message}\n${err}`));
        else resolve(out);
      });
    });
    const results = JSON.parse(stdout) as { filepath: string; segments: Tree }[];
    const byFile = new Map(results.map((r) => [r.filepath.split('/').pop()!, r.segments]));
    return statements.map((statement, i) => {
      const segments = byFile.get(files[i]!.split('/').pop()!);
      if (segments === undefined) return { statement, parsed: false, kind: undefined, unparsable: '(no result from sqlfluff)' };
      const bad: Tree[] = [];
      collect(segments, 'unparsable', bad);
      const stmts: Tree[] = [];
      collect(segments, 'statement', stmts);
      const first = stmts[0];
      const kind = first && typeof first === 'object' && !Array.isArray(first) ? Object.keys(first)[0] : undefined;
      return { statement, parsed: bad.length === 0 && stmts.length > 0, kind, unparsable: bad.length ? bad.map(text).join(' … ').slice(0, 200) : undefined };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
