/**
 * Structural checks of a pg_dump archive that pg_restore itself does not make. pg_restore reads a
 * tar archive member by member and takes the end of the file for the end of the archive, and it
 * reads a directory dump's data files to their end whatever their size: a tar dump cut at a
 * member boundary, or a directory dump missing a data file's tail, restores fewer rows with exit
 * status 0 (test/evidence/dump-truncation.json holds the source lines and the probe).
 *
 * - tar: every ustar header's checksum is right, every member's declared size is present in the
 *   file, the archive ends with pg_dump's two zero blocks, and every `TABLE DATA` / `BLOBS` entry
 *   of the table of contents has its `<dumpId>.dat` member;
 * - directory: every such entry has its data file (`<dumpId>.dat`, `.dat.gz`, `.dat.lz4`,
 *   `.dat.zst`), a gzip file decompresses completely (its trailer checks length and CRC), an
 *   uncompressed one ends where a COPY row ends (a newline), the blob files named in
 *   `blobs*.toc` exist;
 * - custom: every data block that the table of contents gives an offset for starts inside the
 *   file (pg_restore finds those by seeking), which `pg_restore --file=/dev/null` also reads.
 *
 * @module
 */
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** What a structural check found wrong, in words for the user. */
export class DumpStructureError extends Error {
  override name = 'DumpStructureError';
}

/** The dump ids of the table-of-contents entries that carry data (`pg_restore --list` lines). */
export function dataEntryIds(listLines: readonly string[]): { id: string; blobs: boolean }[] {
  const ids: { id: string; blobs: boolean }[] = [];
  for (const line of listLines) {
    const m = /^(\d+);\s+\d+\s+\d+\s+(TABLE DATA|BLOBS|BLOB DATA|LARGE OBJECTS)\b/.exec(line);
    if (m) ids.push({ id: m[1] ?? '', blobs: m[2] !== 'TABLE DATA' });
  }
  return ids;
}

const isZero = (b: Buffer): boolean => b.every((x) => x === 0);

/** The ustar checksum: the header's bytes with the checksum field counted as eight spaces. */
function tarChecksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  return sum;
}

/**
 * Walks a tar archive's headers: the member names and sizes, or a {@link DumpStructureError}
 * when a header is cut or corrupt, a member's data is shorter than its header says, or the
 * end-of-archive blocks are missing.
 *
 * ### Examples
 * ```ts
 * const members = await walkTar('/backups/app.tar'); // [{ name: 'toc.dat', size: 1597 }, ...]
 * ```
 */
export async function walkTar(path: string): Promise<{ name: string; size: number }[]> {
  const handle = await fs.open(path, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const members: { name: string; size: number }[] = [];
    const h = Buffer.alloc(512);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await handle.read(h, 0, 512, pos);
      if (bytesRead === 0) throw new DumpStructureError(`the tar archive ends at byte ${pos} without its end-of-archive blocks (cut after ${members.length} member${members.length === 1 ? '' : 's'})`);
      if (bytesRead < 512) throw new DumpStructureError(`the tar archive is cut inside a header at byte ${pos} (${bytesRead} of 512 bytes)`);
      if (isZero(h)) {
        const next = Buffer.alloc(512);
        const second = await handle.read(next, 0, 512, pos + 512);
        if (second.bytesRead < 512 || !isZero(next)) throw new DumpStructureError(`the tar archive's end-of-archive blocks at byte ${pos} are incomplete`);
        return members;
      }
      const name = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
      const declared = Number.parseInt(h.subarray(148, 156).toString('latin1').replace(/\0/g, ' ').trim(), 8);
      if (!h.subarray(257, 262).equals(Buffer.from('ustar')) || declared !== tarChecksum(h)) throw new DumpStructureError(`the tar archive has a corrupt header at byte ${pos}`);
      const size = Number.parseInt(h.subarray(124, 136).toString('latin1').replace(/\0/g, ' ').trim(), 8);
      if (!Number.isFinite(size) || size < 0) throw new DumpStructureError(`tar member ${name} has an unreadable size`);
      const dataEnd = pos + 512 + size;
      if (dataEnd > fileSize) throw new DumpStructureError(`tar member ${name} declares ${size} bytes but only ${Math.max(0, fileSize - pos - 512)} are in the file: it is truncated`);
      members.push({ name, size });
      pos += 512 + Math.ceil(size / 512) * 512;
    }
  } finally {
    await handle.close();
  }
}

/** Checks a tar dump (see the module comment); `listLines` is `pg_restore --list`'s output. */
export async function checkTarDump(path: string, listLines: readonly string[]): Promise<{ members: number }> {
  const members = await walkTar(path);
  const names = new Set(members.map((m) => m.name));
  for (const name of ['toc.dat']) if (!names.has(name)) throw new DumpStructureError(`the tar archive has no ${name} member`);
  for (const { id, blobs } of dataEntryIds(listLines)) {
    if (!names.has(`${id}.dat`) && !(blobs && names.has('blobs.toc'))) throw new DumpStructureError(`the tar archive has no data member ${id}.dat for table-of-contents entry ${id}: it is truncated`);
  }
  return { members: members.length };
}

async function gunzipsCompletely(file: string): Promise<void> {
  await pipeline(
    createReadStream(file),
    createGunzip(),
    new Writable({
      write: (_chunk, _enc, done) => done(),
    }),
  );
}

async function endsWithNewline(file: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  const handle = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(1);
    await handle.read(b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** Checks a data file of a directory dump: complete gzip stream, or a COPY text ending with a newline. */
async function checkDataFile(dir: string, name: string): Promise<void> {
  const file = join(dir, name);
  const { size } = await fs.stat(file);
  if (name.endsWith('.gz')) {
    await gunzipsCompletely(file).catch((error: unknown) => {
      throw new DumpStructureError(`${name} does not decompress completely (${(error as Error).message}): it is truncated or corrupt`);
    });
  } else if (name.endsWith('.dat') && !(await endsWithNewline(file, size))) {
    throw new DumpStructureError(`${name} ends inside a row (${size} bytes): it is truncated`);
  }
}

/** Checks a directory dump (see the module comment); `listLines` is `pg_restore --list`'s output. */
export async function checkDirectoryDump(dir: string, listLines: readonly string[]): Promise<{ files: number }> {
  const present = new Set(await fs.readdir(dir));
  let files = 0;
  for (const { id } of dataEntryIds(listLines)) {
    const name = [`${id}.dat`, `${id}.dat.gz`, `${id}.dat.lz4`, `${id}.dat.zst`].find((n) => present.has(n));
    const blobToc = [`blobs_${id}.toc`, 'blobs.toc'].find((n) => present.has(n));
    if (!name && !blobToc) throw new DumpStructureError(`the data file of table-of-contents entry ${id} (${id}.dat) is missing`);
    if (name) {
      await checkDataFile(dir, name);
      files++;
    }
  }
  for (const toc of [...present].filter((n) => /^blobs(_\d+)?\.toc$/.test(n))) {
    const text = await fs.readFile(join(dir, toc), 'latin1');
    for (const line of text.split('\n')) {
      const m = /^\d+\s+(\S+)$/.exec(line.trim());
      if (!m?.[1]) continue;
      if (!present.has(m[1])) throw new DumpStructureError(`${toc} names ${m[1]}, which is missing`);
      await checkDataFile(dir, m[1]);
      files++;
    }
  }
  return { files };
}
