// The evidence data of the tests (test/evidence/snowflake-sources.json): for each statement,
// table function, parameter or driver setting gds relies on, the Snowflake documentation page or
// source file it follows and the rule it states. `matches` (a regular expression) ties an entry to
// the catalog statements it covers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a rule is written. */
export type EvidenceSource = { url: string } | { repo: string; path: string; commit?: string };

/** One entry of the evidence file. */
export interface Evidence {
  subject: string;
  kind: 'statement' | 'function' | 'parameter' | 'driver';
  source: EvidenceSource;
  rule: string;
  matches?: string;
  /** Whether the source was read while writing this entry, or is cited from the page's known content. */
  checked: string;
}

/** Every entry of test/evidence/snowflake-sources.json. */
export const evidence: Evidence[] = JSON.parse(readFileSync(join(__dirname, 'evidence', 'snowflake-sources.json'), 'utf8')) as Evidence[];
