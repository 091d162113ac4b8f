import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { restoreHow } from './restore-how.js';

const root = join(__dirname, '..', '..', '..', '..');

describe('restoreHow: the confirmation says what each engine really does', () => {
  it('PostgreSQL restores aside and swaps; no "drops first"', () => {
    expect(restoreHow('postgresql', true)).toMatch(/side database first and swapped in/);
    expect(restoreHow('postgresql', false)).toMatch(/never exists half-restored/);
    expect(restoreHow('postgresql', true)).not.toMatch(/drop(s|ping)? it first/);
  });

  it('SQL Server verifies, then overwrites in place, as its README and its result message say', () => {
    expect(restoreHow('mssql', true)).toMatch(/verified first, then RESTORE \.\.\. WITH REPLACE overwrites the database in place/);
    expect(readFileSync(join(root, 'packages', 'gds-mssql', 'README.md'), 'utf8')).toMatch(/`RESTORE \.\.\. WITH REPLACE`\s+overwrites the database in place/);
    expect(readFileSync(join(root, 'packages', 'gds-mssql', 'src', 'mssql-restore.ts'), 'utf8')).toMatch(/was overwritten in place \(SQL Server restores WITH REPLACE/);
  });

  it('an engine the CLI has no words for gets none (the engine result speaks)', () => {
    expect(restoreHow('mongodb', true)).toBeUndefined();
    expect(restoreHow('unknown', false)).toBeUndefined();
  });
});
