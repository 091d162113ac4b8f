/**
 * A small HTTP adapter in front of fakesnow, so that snowflake-sdk 3.3 can talk to it: query
 * replies with an Arrow `rowsetBase64` become JSON `rowset`s (see {@link arrowToJsonRowset}), and
 * JSON rowsets without `returned` (fakesnow's DML replies) get it (without it snowflake-sdk 3.3
 * never ends the statement), and HTTP errors with a JSON body (fakesnow answers an unsupported statement with 500, which the
 * sdk would retry for minutes) become HTTP 200 `success: false` replies, as Snowflake sends a
 * failed statement. Everything else passes through unchanged.
 *
 * @module
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { arrowToJsonRowset, type RowTypeLike } from './arrow-json.js';

/**
 * A running adapter.
 *
 * ### Examples
 * ```ts
 * const adapter = await startSnowflakeAdapter(fakesnowPort);
 * // point snowflake-sdk at 127.0.0.1:adapter.port over http
 * await adapter.close();
 * ```
 */
export interface SnowflakeAdapter {
  /** Its loopback port. */
  readonly port: number;
  /** Replies rewritten so far: Arrow → JSON, and HTTP errors → success:false. */
  readonly rewritten: { arrow: number; errors: number };
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

interface QueryReply {
  success?: boolean;
  code?: string | null;
  message?: string | null;
  data?: { queryResultFormat?: string; rowsetBase64?: string; rowset?: unknown; rowtype?: RowTypeLike[]; total?: number; returned?: number } | null;
}

/** Rewrites one upstream reply; returns the status and body to send on. */
export function rewriteReply(status: number, body: Buffer, counts: { arrow: number; errors: number }): { status: number; body: Buffer } {
  let json: QueryReply;
  try {
    json = JSON.parse(body.toString('utf8')) as QueryReply;
  } catch {
    return { status, body };
  }
  let changed = false;
  if (status >= 400 && json.success === false) {
    // Snowflake reports a failed statement in a 200 reply; a 5xx makes the sdk retry
    counts.errors++;
    status = 200;
    json = { ...json, data: json.data ?? { errorCode: json.code ?? '000000', sqlState: null } as never };
    changed = true;
  }
  const data = json.data;
  if (data && data.queryResultFormat === 'arrow') {
    const rowset = arrowToJsonRowset(data.rowsetBase64 ?? '', data.rowtype ?? []);
    delete data.rowsetBase64;
    data.queryResultFormat = 'json';
    data.rowset = rowset;
    data.total = rowset.length;
    data.returned = rowset.length;
    counts.arrow++;
    changed = true;
  } else if (data && Array.isArray(data.rowset) && data.returned === undefined) {
    // fakesnow's JSON (DML) replies carry no `returned`, which Snowflake sends and the sdk waits for
    data.returned = data.rowset.length;
    changed = true;
  }
  return changed ? { status, body: Buffer.from(JSON.stringify(json)) } : { status, body };
}

/**
 * Listens on a free port of 127.0.0.1 and forwards every request to `127.0.0.1:upstreamPort`.
 *
 * ### Examples
 * ```ts
 * const adapter = await startSnowflakeAdapter(4566);
 * ```
 */
export async function startSnowflakeAdapter(upstreamPort: number): Promise<SnowflakeAdapter> {
  const rewritten = { arrow: 0, errors: 0 };
  // GDS_PEERS_DEBUG=1: one line per exchange on stderr (method, path, status, first bytes of both bodies)
  const debug = process.env.GDS_PEERS_DEBUG === '1' ? (line: string) => process.stderr.write(`[fakesnow adapter] ${line}\n`) : undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers, host: `127.0.0.1:${upstreamPort}` };
      delete headers['accept-encoding']; // read replies uncompressed, to rewrite them
      const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers }, (upRes) => {
        const body: Buffer[] = [];
        upRes.on('data', (c: Buffer) => body.push(c));
        upRes.on('end', () => {
          let out: { status: number; body: Buffer };
          try {
            out = rewriteReply(upRes.statusCode ?? 502, Buffer.concat(body), rewritten);
          } catch (e) {
            out = { status: 200, body: Buffer.from(JSON.stringify({ success: false, code: '000000', message: `gds fakesnow adapter: ${(e as Error).message}`, data: null })) };
          }
          debug?.(`${req.method} ${req.url?.split('?')[0]} -> ${upRes.statusCode} ${out.status}: ${out.body.toString('utf8').slice(0, 300)}`);
          const outHeaders = { ...upRes.headers, 'content-length': String(out.body.length) };
          delete outHeaders['transfer-encoding'];
          delete outHeaders['content-encoding'];
          res.writeHead(out.status, outHeaders);
          res.end(out.body);
        });
        upRes.on('error', () => res.destroy());
      });
      up.on('error', (e) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`gds fakesnow adapter: upstream unreachable: ${e.message}`);
      });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    rewritten,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
