// The checked-in statement catalog (test/evidence/statement-catalog.json) is what the provider
// sends today: a fresh generation must equal it (GDS_WRITE_CATALOG=1 rewrites it), and every
// statement in it is covered by an evidence entry (test/evidence/snowflake-sources.json) naming
// the Snowflake documentation page it follows.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { evidence } from './evidence.js';
import { generateCatalog, type CatalogEntry } from './gen-statement-catalog.js';

const file = join(__dirname, 'evidence', 'statement-catalog.json');

describe('statement catalog', () => {
  let fresh: CatalogEntry[] = [];

  it('the checked-in catalog equals a fresh generation', async () => {
    fresh = await generateCatalog();
    const text = `${JSON.stringify(fresh, null, 2)}\n`;
    if (process.env.GDS_WRITE_CATALOG === '1') writeFileSync(file, text);
    expect(readFileSync(file, 'utf8')).toBe(text);
  }, 60_000);

  it('every statement follows a documented rule in the evidence', () => {
    const rules = evidence.filter((e) => e.matches).map((e) => ({ subject: e.subject, re: new RegExp(e.matches ?? '') }));
    const statements = [...new Set(fresh.flatMap((e) => e.statements))];
    expect(statements.length).toBeGreaterThan(30);
    const uncovered = statements.filter((s) => !rules.some((r) => r.re.test(s)));
    expect(uncovered).toEqual([]);
  });

  it('every evidence entry names its source and a rule', () => {
    for (const e of evidence) {
      expect(e.rule.length).toBeGreaterThan(20);
      expect('url' in e.source ? /^https:\/\/docs\.snowflake\.com\//.test(e.source.url) : e.source.repo.length > 0 && e.source.path.length > 0).toBe(true);
    }
  });
});
