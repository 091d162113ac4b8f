import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@gds/database';
import { SANDBOX_LINE } from './mysql-dump-scan.js';
import { clientFeed } from './mysql-restore.js';
import { checkDumpFile } from './mysql-verify.js';

const dir = mkdtempSync(join(tmpdir(), 'gds-mysql-feed-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = `${SANDBOX_LINE} \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\nCREATE TABLE t (v text);\n`;
const TAIL = 'INSERT INTO t VALUES (1);\n\n-- Dump completed on 2026-12-02  0:53:48\n';
const CHUNK = 1 << 20; // readDump's read size

async function collect(feed: AsyncGenerator<Buffer>): Promise<{ out: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of feed) parts.push(part);
    return { out: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { out: Buffer.concat(parts), error };
  }
}

describe('clientFeed (what the client reads)', () => {
  it('passes a good dump on whole, with the sandbox line blanked and the line count kept', async () => {
    const file = join(dir, 'good.sql');
    const text = HEAD + `INSERT INTO t VALUES ('${'x'.repeat(CHUNK)}');\n` + TAIL;
    writeFileSync(file, text);
    const { out, error } = await collect(clientFeed(await checkDumpFile(file, 'restore'), new AbortController().signal, () => undefined));
    expect(error).toBeUndefined();
    expect(out.toString()).toBe(text.slice(text.indexOf('\n')));
  });

  it('never hands the client a line it has not judged: a command cut across two reads of a file changed after the check', async () => {
    const file = join(dir, 'changed.sql');
    const filler = `-- ${'f'.repeat(CHUNK - HEAD.length - 10)}\n`;
    writeFileSync(file, HEAD + filler + 'SELECT 1;\n' + TAIL);
    const check = await checkDumpFile(file, 'restore');
    // the same size or more, now with `\! touch` starting a few bytes before the first read ends
    const hostile = HEAD + filler + '\\! touch /tmp/gds-never\n' + TAIL;
    expect(Buffer.byteLength(HEAD + filler)).toBeLessThan(CHUNK);
    expect(Buffer.byteLength(HEAD + filler) + 10).toBeGreaterThan(CHUNK);
    writeFileSync(file, hostile);
    const { out, error } = await collect(clientFeed(check, new AbortController().signal, () => undefined));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/changed while it was restored/);
    expect(out.includes('\\!')).toBe(false);
    expect(out.toString().endsWith('\n')).toBe(true);
  });
});
