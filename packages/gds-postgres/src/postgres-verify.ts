/**
 * Structural checks of pg_dump's tar and directory formats, run before pg_restore reads the dump.
 * pg_restore takes the end of a tar file for the end of the archive, reads a member cut short as
 * far as it goes, and reads a directory dump's data files to their end whatever their size: a
 * data file cut in a row or at a row boundary, a tar member shortened, or a large object missing
 * from a tar archive restore fewer rows or objects with exit status 0. And on a tar dump cut inside
 * a member that another needed member follows, pg_restore loops for ever (`_tarPositionTo` skips to
 * the next member one byte at a time and never advances at end of file): that is why these checks
 * run BEFORE pg_restore, not after it. test/evidence/dump-truncation.json holds the source rules
 * and, per damaged dump, this module's verdict and what pg_restore 15 did (postgres-verify.test.ts
 * replays them on real pg_dump output).
 *
 * - tar ({@link walkTar}, {@link checkTarDump}): every 512-byte ustar header is whole, has the
 *   `ustar` magic and a right checksum; every member's declared size is in the file; the archive
 *   ends with two zero blocks; there is a `toc.dat` member; every `TABLE DATA` entry of the table of
 *   contents has its `<dumpId>.dat` member, which ends like pg_dump's table data (`\.` and three
 *   newlines after COPY rows, or `;` and three newlines after INSERT statements, or only two
 *   newlines for an empty `--inserts` table); a `BLOBS` entry has a `blobs.toc` member and every
 *   `blob_<oid>.dat` it names is a member.
 * - directory ({@link checkDirectoryDump}): `toc.dat` exists; every `TABLE DATA` entry has its data
 *   file (`<dumpId>.dat`, `.dat.gz`, `.dat.lz4`, `.dat.zst`); a `.gz` file decompresses completely
 *   (its trailer checks length and CRC); table data, plain or decompressed, ends like pg_dump's
 *   table data (as above); the blobs TOC exists and every file it names exists (with or without
 *   `.gz`), a `.gz` one decompressing completely.
 *
 * Not checked, so not caught here: a changed byte inside uncompressed data (neither format carries
 * a checksum of it: pg_restore restores the changed row), the bytes of an uncompressed large object
 * (they have no end marker), the contents of `.lz4`/`.zst` files (no decompressor in Node), and the
 * custom format, whose truncation only `pg_restore --file=/dev/null` (run after these checks)
 * detects.
 *
 * @module
 */
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';

/** What a structural check found wrong, in words for the user. */
export class DumpStructureError extends Error {
  override name = 'DumpStructureError';
}

/**
 * The dump ids of the table-of-contents entries that carry data (`pg_restore --list` lines):
 * `TABLE DATA` ones, and the large-object ones (`BLOBS`; `BLOB DATA`/`LARGE OBJECTS` in newer
 * releases) marked `blobs`. Comment lines and the per-object `BLOB` metadata entries are skipped.
 *
 * ### Examples
 * ```ts
 * dataEntryIds(['3342; 0 16385 TABLE DATA public t postgres']); // [{ id: '3342', blobs: false }]
 * ```
 */
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
 * Walks a tar archive's headers: the member names, sizes and data offsets (the byte after each
 * header), or a {@link DumpStructureError} when a header is cut or corrupt, a member's data is
 * shorter than its header says, or the end-of-archive blocks are missing.
 *
 * ### Examples
 * ```ts
 * const members = await walkTar('/backups/app.tar'); // [{ name: 'toc.dat', size: 1597, offset: 512 }, ...]
 * ```
 */
export async function walkTar(path: string): Promise<{ name: string; size: number; offset: number }[]> {
  const handle = await fs.open(path, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const members: { name: string; size: number; offset: number }[] = [];
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
      members.push({ name, size, offset: pos + 512 });
      pos += 512 + Math.ceil(size / 512) * 512;
    }
  } finally {
    await handle.close();
  }
}

/**
 * How pg_dump ends a table's data (pg_dump.c): COPY data with a backslash, a dot and three newlines; with
 * `--inserts` the last statement's `;\n` and two more newlines, or only those two for an empty table.
 */
const COPY_END = Buffer.from('\\.\n\n\n', 'latin1');
const INSERTS_END = Buffer.from(';\n\n\n', 'latin1');
const EMPTY_INSERTS = Buffer.from('\n\n', 'latin1');
const TAIL_BYTES = COPY_END.length;

/** True when `tail` (the last bytes of a table's data, `size` bytes in all) is how pg_dump ends table data. */
function endsLikeTableData(tail: Buffer, size: number): boolean {
  if (size === EMPTY_INSERTS.length && tail.equals(EMPTY_INSERTS)) return true;
  const end = (marker: Buffer) => tail.length >= marker.length && tail.subarray(tail.length - marker.length).equals(marker);
  return end(COPY_END) || end(INSERTS_END);
}

function notTableDataEnd(name: string, size: number): DumpStructureError {
  return new DumpStructureError(`${name} does not end like pg_dump's table data (a COPY end marker, or the end of an INSERT statement; ${size} bytes): it is truncated`);
}

/** The last `length` bytes before `end` in an open file. */
async function readTail(handle: fs.FileHandle, end: number, length: number): Promise<Buffer> {
  const n = Math.min(length, end);
  const b = Buffer.alloc(n);
  await handle.read(b, 0, n, end - n);
  return b;
}

/** The `<oid> <file>` lines of a blobs TOC: the files it names. */
function blobTocFiles(text: string): string[] {
  const files: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+\s+(\S+)$/.exec(line.trim());
    if (m?.[1]) files.push(m[1]);
  }
  return files;
}

/**
 * Checks a tar dump: {@link walkTar}'s structure, a `toc.dat` member, for every `TABLE DATA` entry of
 * `listLines` (`pg_restore --list`'s output) its `<dumpId>.dat` member ending like pg_dump's table data,
 * and for a `BLOBS` entry a `blobs.toc` member whose every `blob_<oid>.dat` is in the archive.
 *
 * ### Examples
 * ```ts
 * await checkTarDump('/backups/app.tar', listLines); // { members: 7 }, or throws DumpStructureError
 * ```
 */
export async function checkTarDump(path: string, listLines: readonly string[]): Promise<{ members: number }> {
  const members = await walkTar(path);
  const byName = new Map(members.map((m) => [m.name, m]));
  if (!byName.has('toc.dat')) throw new DumpStructureError('the tar archive has no toc.dat member');
  const handle = await fs.open(path, 'r');
  try {
    for (const { id, blobs } of dataEntryIds(listLines)) {
      if (blobs) {
        const toc = byName.get('blobs.toc');
        if (!toc) throw new DumpStructureError(`the tar archive has no blobs.toc member for table-of-contents entry ${id}: it is truncated`);
        const text = (await readTail(handle, toc.offset + toc.size, toc.size)).toString('latin1');
        for (const file of blobTocFiles(text)) {
          if (!byName.has(file)) throw new DumpStructureError(`blobs.toc names ${file}, which is not in the archive`);
        }
        continue;
      }
      const member = byName.get(`${id}.dat`);
      if (!member) throw new DumpStructureError(`the tar archive has no data member ${id}.dat for table-of-contents entry ${id}: it is truncated`);
      if (!endsLikeTableData(await readTail(handle, member.offset + member.size, TAIL_BYTES), member.size)) throw notTableDataEnd(`${id}.dat`, member.size);
    }
  } finally {
    await handle.close();
  }
  return { members: members.length };
}

/** Decompresses a gzip file completely (its trailer checks length and CRC); resolves with the output's last bytes and size. */
async function gunzipTail(file: string): Promise<{ tail: Buffer; size: number }> {
  let tail = Buffer.alloc(0);
  let size = 0;
  await pipeline(
    createReadStream(file),
    createGunzip(),
    new Writable({
      write: (chunk: Buffer, _enc, done) => {
        size += chunk.length;
        tail = Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
        done();
      },
    }),
  );
  return { tail, size };
}

/**
 * Checks one data file of a directory dump: a `.gz` file must decompress completely; table data (not a
 * large object's bytes, which have no end marker) must then end like pg_dump's table data. `.lz4` and
 * `.zst` files (PostgreSQL 16+) are only required to exist: Node has no decompressor for them.
 */
async function checkDataFile(dir: string, name: string, tableData: boolean): Promise<void> {
  const file = join(dir, name);
  if (name.endsWith('.gz')) {
    const { tail, size } = await gunzipTail(file).catch((error: unknown) => {
      throw new DumpStructureError(`${name} does not decompress completely (${(error as Error).message}): it is truncated or corrupt`);
    });
    if (tableData && !endsLikeTableData(tail, size)) throw notTableDataEnd(name, size);
  } else if (name.endsWith('.dat') && tableData) {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (!endsLikeTableData(await readTail(handle, size, TAIL_BYTES), size)) throw notTableDataEnd(name, size);
    } finally {
      await handle.close();
    }
  }
}

/** The file pg_restore opens for `name`: `name` itself, else `name.gz` (cfopen_read tries both), else the lz4/zstd forms. */
function dataFileName(present: ReadonlySet<string>, name: string): string | undefined {
  return [name, `${name}.gz`, `${name}.lz4`, `${name}.zst`].find((n) => present.has(n));
}

/**
 * Checks a directory dump: a `toc.dat`; for every `TABLE DATA` entry of `listLines` (`pg_restore --list`'s
 * output) its `<dumpId>.dat` file (or `.dat.gz`, `.lz4`, `.zst`), checked by its kind (see checkDataFile);
 * for a `BLOBS` entry its blobs TOC (`blobs.toc`, or `blobs_<dumpId>.toc` from PostgreSQL 16) and every
 * file it names (as written, or with `.gz` added).
 *
 * ### Examples
 * ```ts
 * await checkDirectoryDump('/backups/app.dir', listLines); // { files: 4 }, or throws DumpStructureError
 * ```
 */
export async function checkDirectoryDump(dir: string, listLines: readonly string[]): Promise<{ files: number }> {
  const present = new Set(await fs.readdir(dir));
  if (!present.has('toc.dat') && !present.has('toc.dat.gz')) throw new DumpStructureError('the directory has no toc.dat: it is not a complete pg_dump directory-format dump');
  let files = 0;
  for (const { id, blobs } of dataEntryIds(listLines)) {
    if (!blobs) {
      const name = dataFileName(present, `${id}.dat`);
      if (!name) throw new DumpStructureError(`the data file of table-of-contents entry ${id} (${id}.dat) is missing`);
      await checkDataFile(dir, name, true);
      files++;
      continue;
    }
    const toc = [`blobs_${id}.toc`, 'blobs.toc', `blobs_${id}.toc.gz`, 'blobs.toc.gz'].find((n) => present.has(n));
    if (!toc) throw new DumpStructureError(`the large-object list of table-of-contents entry ${id} (blobs.toc) is missing`);
    const raw = await fs.readFile(join(dir, toc));
    const text = (toc.endsWith('.gz') ? await gunzipText(raw, toc) : raw).toString('latin1');
    for (const file of blobTocFiles(text)) {
      const name = dataFileName(present, file);
      if (!name) throw new DumpStructureError(`${toc} names ${file}, which is missing`);
      await checkDataFile(dir, name, false);
      files++;
    }
  }
  return { files };
}

const gunzipAsync = promisify(gunzip);

async function gunzipText(raw: Buffer, name: string): Promise<Buffer> {
  return gunzipAsync(raw).catch((error: unknown) => {
    throw new DumpStructureError(`${name} does not decompress completely (${(error as Error).message}): it is truncated or corrupt`);
  });
}
