// The generated parts of the docs (capability matrix, option tables) match the built packages:
// a capability or an option changed without `node scripts/gen-docs.mjs` fails here.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { built, root, skipLine } from './helpers.js';

skipLine('generated docs check');
(built ? describe : describe.skip)('generated docs', () => {
  it('the capability matrix and the option tables are up to date', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts/gen-docs.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('generated docs are up to date');
    expect(r.status).toBe(0);
  }, 60_000);
});
