// The checked-in statement catalog (test/evidence/statement-catalog.json) is what the provider
// sends today: a fresh generation must equal it. GDS_WRITE_STATEMENT_CATALOG=1 rewrites it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { generateStatementCatalog } from './gen-statement-catalog.js';

const file = join(__dirname, 'evidence', 'statement-catalog.json');

it('the statement catalog is up to date (GDS_WRITE_STATEMENT_CATALOG=1 regenerates it)', async () => {
  const fresh = `${JSON.stringify(await generateStatementCatalog(), null, 2)}\n`;
  if (process.env.GDS_WRITE_STATEMENT_CATALOG === '1') writeFileSync(file, fresh);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(fresh));
  // every statement the provider can send is in it at least once, on every server of the matrix
  const entries = JSON.parse(fresh) as Array<{ operation: string; server: string; statements: string[] }>;
  for (const kind of ['CREATE DATABASE', 'DROP DATABASE', 'ALTER DATABASE', 'BACKUP DATABASE', 'BACKUP LOG', 'RESTORE DATABASE', 'RESTORE LOG', 'RESTORE VERIFYONLY', 'DBCC CHECKDB', 'DBCC SHRINKDATABASE', 'ALTER AVAILABILITY GROUP']) {
    expect(entries.some((e) => e.statements.some((s) => s.startsWith(kind)))).toBe(true);
  }
}, 60_000);
