import { describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { partialPath, sizeOnDisk } from './backup-files.js';

describe('backup files', () => {
  it('partialPath is a fresh hidden name in the target folder', () => {
    const a = partialPath('/backups/app.dump');
    const b = partialPath('/backups/app.dump');
    expect(dirname(a)).toBe('/backups');
    expect(basename(a)).toMatch(/^\.app\.dump\.gds-partial-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });

  it('sizeOnDisk sums a directory tree, reads a file, and is 0 for nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gds-size-'));
    try {
      await mkdir(join(dir, 'sub'));
      await writeFile(join(dir, 'a'), 'x'.repeat(100));
      await writeFile(join(dir, 'sub', 'b'), 'y'.repeat(23));
      expect(await sizeOnDisk(dir)).toBe(123);
      expect(await sizeOnDisk(join(dir, 'a'))).toBe(100);
      expect(await sizeOnDisk(join(dir, 'missing'))).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
