/**
 * gzip and zstd for dump files: gzip by node:zlib; zstd by node:zlib where Node has it (22.15+),
 * else by the `zstd` program (killed with the operation). A file's compression is told by its
 * first bytes (gzip `1f 8b`, zstd `28 b5 2f fd`), never by its name.
 *
 * @module
 */
import type * as ChildProcess from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import { Duplex, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { ExternalToolError } from '@gds/database';

/** How a dump file is compressed. */
export type Compression = 'none' | 'gzip' | 'zstd';

/**
 * The compression of `path`, by its magic bytes.
 *
 * ### Examples
 * ```ts
 * await detectCompression('/b/app.sql.gz'); // 'gzip'
 * ```
 */
export async function detectCompression(path: string): Promise<Compression> {
  const handle = await fs.open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await handle.close();
  }
}

type ZstdZlib = { createZstdCompress?: () => Duplex; createZstdDecompress?: () => Duplex };

/** A transform stream, and a promise that settles when it (and a helper process, if any) ended well. */
export interface Codec {
  stream: Duplex;
  /** Resolves once a helper process exited 0 (at once for zlib). */
  done: Promise<void>;
  /** Kills a helper process. */
  kill(): void;
}

function zstdProgram(args: string[], outputFd?: number): Codec {
  const cp: typeof ChildProcess = process.getBuiltinModule('node:child_process');
  const child = cp.spawn('zstd', args, { stdio: ['pipe', outputFd ?? 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(new ExternalToolError(`zstd could not be started: ${error.message}`, { tool: 'zstd', engine: 'mysql', cause: error, hint: 'install zstd, or use gzip' })));
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new ExternalToolError(`zstd failed (${code === null ? `signal ${signal}` : `exit code ${code}`}): ${stderr.trim()}`, { tool: 'zstd', engine: 'mysql', exitCode: code ?? undefined }))));
  });
  done.catch(() => undefined);
  child.stdin?.on('error', () => undefined);
  return {
    // writing to a file descriptor itself, it has no readable side: a Duplex whose readable end stays empty
    stream: Duplex.from({ writable: child.stdin ?? undefined, readable: child.stdout ?? undefined }),
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * A compressor for `kind` (not 'none').
 *
 * ### Examples
 * ```ts
 * const { stream } = compressor('gzip');
 * ```
 */
export function compressor(kind: Exclude<Compression, 'none'>): Codec {
  if (kind === 'gzip') return { stream: zlib.createGzip(), done: Promise.resolve(), kill: () => undefined };
  const z = zlib as unknown as ZstdZlib;
  if (z.createZstdCompress) return { stream: z.createZstdCompress(), done: Promise.resolve(), kill: () => undefined };
  return zstdProgram(['-q', '-c', '-']);
}

/**
 * Whether zstd runs as the `zstd` program here (Node without zlib zstd): then it can write the
 * file itself ({@link zstdToFile}), saving a copy of every byte through this process.
 */
export function zstdIsProgram(): boolean {
  return !(zlib as unknown as ZstdZlib).createZstdCompress;
}

/** The `zstd` program compressing what is written to `stream` straight into the file descriptor `fd`. */
export function zstdToFile(fd: number): Codec {
  return zstdProgram(['-q', '-c', '-'], fd);
}

/** A decompressor for `kind` (not 'none'). */
export function decompressor(kind: Exclude<Compression, 'none'>): Codec {
  if (kind === 'gzip') return { stream: zlib.createGunzip(), done: Promise.resolve(), kill: () => undefined };
  const z = zlib as unknown as ZstdZlib;
  if (z.createZstdDecompress) return { stream: z.createZstdDecompress(), done: Promise.resolve(), kill: () => undefined };
  return zstdProgram(['-q', '-d', '-c', '-']);
}

/**
 * The bytes of a dump file, decompressed; `onRead` gets the bytes read of the file itself (for
 * progress). Ends with an error when the compressed data is cut short or corrupt.
 *
 * ### Examples
 * ```ts
 * for await (const chunk of readDump('/b/app.sql.zst', 'zstd', signal)) scanner.push(chunk);
 * ```
 */
export async function* readDump(path: string, kind: Compression, signal?: AbortSignal, onRead?: (bytes: number) => void): AsyncGenerator<Buffer> {
  const file = createReadStream(path, { highWaterMark: 1 << 20, signal });
  let read = 0;
  file.on('data', (chunk) => {
    read += chunk.length;
    onRead?.(read);
  });
  if (kind === 'none') {
    for await (const chunk of file as AsyncIterable<Buffer>) yield chunk;
    return;
  }
  const codec = decompressor(kind);
  const out: Readable = file.pipe(codec.stream);
  file.on('error', (error) => codec.stream.destroy(error));
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) yield chunk;
    await codec.done;
  } finally {
    codec.kill();
    file.destroy();
  }
}
