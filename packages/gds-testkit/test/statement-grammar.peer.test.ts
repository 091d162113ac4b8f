// The grammar check of every statement the SQL engines generate: each
// packages/gds-*/test/evidence/statement-catalog.json that exists (PostgreSQL, SQL Server,
// Snowflake) is parsed with sqlfluff (an independent grammar, PyPI; dialects postgres, tsql,
// snowflake), and the PostgreSQL statements also by a real throwaway server (startPostgres), which
// parses each as the body of a SQL function it validates and never runs. A statement sqlfluff
// cannot parse must be a kind listed as not covered in evidence/statement-grammar.json (with the
// documentation that says the statement is right); anything else fails. Skips with one printed
// line where sqlfluff (bash scripts/install-peers.sh) or the PostgreSQL server is missing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findPostgresBinaries, postgresMissingReason, startPostgres, type PostgresCluster } from '../src/index.js';
import { peerSkipReason, sqlfluffParse, type SqlfluffDialect } from '../src/peers.js';

interface Gap {
  engine: string;
  dialect: SqlfluffDialect;
  kind: string;
  match: string;
  reason: string;
}

const PACKAGES = join(__dirname, '..', '..');
const ENGINES: ReadonlyArray<[engine: string, dialect: SqlfluffDialect]> = [
  ['postgres', 'postgres'],
  ['mssql', 'tsql'],
  ['snowflake', 'snowflake'],
];
const GAPS = (JSON.parse(readFileSync(join(__dirname, 'evidence', 'statement-grammar.json'), 'utf8')) as { notCovered: Gap[] }).notCovered;

/** The distinct statements of an engine's catalog, or undefined when it has none. */
function catalogStatements(engine: string): string[] | undefined {
  const file = join(PACKAGES, `gds-${engine}`, 'test', 'evidence', 'statement-catalog.json');
  if (!existsSync(file)) return undefined;
  const entries = JSON.parse(readFileSync(file, 'utf8')) as { statements: string[] }[];
  return [...new Set(entries.flatMap((e) => e.statements))];
}

/**
 * The SQL text of a catalog statement as a grammar reads it: without the trailing "-- ..." note
 * that shows parameter values or the target, and with Snowflake's `?` bind markers (outside
 * quotes) as NULL, since sqlfluff has no placeholder syntax.
 */
export function forGrammar(statement: string, dialect: SqlfluffDialect): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < statement.length; i++) {
    const c = statement[i]!;
    if (quote) {
      out += c;
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || (c === '[' && dialect === 'tsql')) {
      quote = c === '[' ? ']' : c;
      out += c;
    } else if (c === '-' && statement[i + 1] === '-') {
      break;
    } else if (c === '?' && dialect === 'snowflake') {
      out += 'NULL';
    } else {
      out += c;
    }
  }
  return out.trim();
}

const sqlfluffSkip = peerSkipReason('sqlfluff');
const catalogs = ENGINES.map(([engine, dialect]) => ({ engine, dialect, statements: catalogStatements(engine) }));
for (const c of catalogs) if (!c.statements) process.stderr.write(`SKIP grammar check of ${c.engine}: no packages/gds-${c.engine}/test/evidence/statement-catalog.json\n`);

(sqlfluffSkip ? describe.skip : describe)('grammar check with sqlfluff 4.5 (an independent grammar)', () => {
  it.each(catalogs.filter((c) => c.statements).map((c) => [c.engine, c.dialect, c.statements!] as const))(
    '%s (dialect %s): every statement parses, or is a kind listed as not covered',
    async (engine, dialect, statements) => {
      const verdicts = await sqlfluffParse(dialect, statements.map((s) => forGrammar(s, dialect)));
      const gaps = GAPS.filter((g) => g.engine === engine).map((g) => ({ ...g, re: new RegExp(g.match), hits: 0 }));
      const unexpected: string[] = [];
      verdicts.forEach((v, i) => {
        if (v.parsed) return;
        const gap = gaps.find((g) => g.re.test(v.statement));
        if (gap) gap.hits++;
        else unexpected.push(`${statements[i]}  (sqlfluff: unparsable ${v.unparsable ?? ''})`);
      });
      const parsed = verdicts.filter((v) => v.parsed).length;
      process.stderr.write(
        `GRAMMAR ${engine}: ${statements.length} statements, ${parsed} parsed by sqlfluff (${dialect}), ${statements.length - parsed} not covered: ${gaps.filter((g) => g.hits).map((g) => `${g.kind} x${g.hits}`).join('; ') || 'none'}\n`,
      );
      for (const g of gaps.filter((x) => x.hits === 0)) process.stderr.write(`GRAMMAR ${engine}: not-covered entry "${g.kind}" matched no statement this run\n`);
      expect(unexpected).toEqual([]);
    },
    600_000,
  );
});

const pgSkip = findPostgresBinaries() ? undefined : postgresMissingReason();
if (pgSkip) process.stderr.write(`SKIP grammar check on a real PostgreSQL server: ${pgSkip}\n`);
const pgStatements = catalogs.find((c) => c.engine === 'postgres')?.statements;
(pgSkip || !pgStatements || !findPostgresBinaries()?.psql ? describe.skip : describe)('grammar check on a real PostgreSQL server (parsed, never run)', () => {
  let cluster: PostgresCluster;
  const psql = findPostgresBinaries()?.psql;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('the server parses every PostgreSQL statement of the catalog; a broken one is refused (42601)', async () => {
    // A SQL function's body is parsed when the function is created (check_function_bodies) and
    // runs only when called; created in a rolled-back transaction, nothing is kept.
    // psql (no shell; the script on stdin) stops at the first error and prints its SQLSTATE.
    const parses = (statement: string): Promise<string | undefined> => {
      const tag = `gds_${randomBytes(6).toString('hex')}`;
      const script = `\\set VERBOSITY verbose\nBEGIN;\nCREATE FUNCTION pg_temp.gds_grammar_check() RETURNS void LANGUAGE sql AS $${tag}$ ${statement} $${tag}$;\nROLLBACK;\n`;
      return new Promise((resolve) => {
        const child = execFile(psql!, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(cluster.primary.port), '-U', 'postgres', '-d', 'postgres'], { timeout: 30_000 }, (error, _out, err) => {
          if (!error) return resolve(undefined);
          const m = /ERROR:\s+([0-9A-Z]{5}):\s*(.*)/.exec(err);
          resolve(m ? `${m[1]} ${m[2]}` : `psql failed: ${err.trim() || error.message}`);
        });
        child.stdin?.end(script);
      });
    };
    expect(await parses('CREATE DATABASE "x" WITH OWNER "y" STRATEGY = FILE_COPY')).toBeUndefined();
    expect(await parses('CREATE DATABASE "x" WITH WITH OWNER "y"')).toMatch(/^42601 /);
    const refused: string[] = [];
    for (const statement of pgStatements!) {
      const error = await parses(statement);
      if (error) refused.push(`${statement}: ${error}`);
    }
    process.stderr.write(`GRAMMAR postgres: ${pgStatements!.length - refused.length} of ${pgStatements!.length} statements parsed by a real PostgreSQL ${findPostgresBinaries()?.major ?? ''} server\n`);
    expect(refused).toEqual([]);
  }, 300_000);
});
