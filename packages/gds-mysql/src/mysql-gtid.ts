/**
 * GTID positions of both flavours, compared without a server: how many transactions one
 * server has that another has not applied.
 *
 * - MariaDB: a position is a comma-separated list of `domain-server-seq`, at most one per
 *   domain in `gtid_binlog_pos` / `gtid_slave_pos` / `gtid_current_pos`. Within a domain,
 *   sequence numbers only grow (`gtid_strict_mode` enforces it), so "behind" is the difference of
 *   the sequence numbers per domain, summed: one sequence number is one event group
 *   (transaction), unless someone set `gtid_seq_no` by hand to skip numbers.
 * - MySQL: a GTID set is `uuid:1-5:7,uuid2:1-3` (tags of 8.4, `uuid:tag:1-3`, are kept as part of the
 *   source); "behind" is the number of transactions in the primary's set missing from the
 *   replica's (what `GTID_SUBTRACT(primary, replica)` would list).
 *
 * @module
 */

/** One MariaDB domain's last GTID. */
export interface MariadbGtid {
  readonly domain: number;
  readonly serverId: number;
  readonly seq: number;
}

const MARIADB_GTID = /^(\d+)-(\d+)-(\d+)$/;

/**
 * Parses a MariaDB GTID position (`0-1-42,1-3-7`); the empty string is no position. A malformed
 * part throws: a wrong comparison would let a failover lose data.
 *
 * ### Examples
 * ```ts
 * parseMariadbPosition('0-1-42'); // [{ domain: 0, serverId: 1, seq: 42 }]
 * ```
 */
export function parseMariadbPosition(text: string | null | undefined): MariadbGtid[] {
  const out: MariadbGtid[] = [];
  for (const part of (text ?? '').split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const m = MARIADB_GTID.exec(p);
    if (!m) throw new Error(`not a MariaDB GTID: ${JSON.stringify(p)}`);
    out.push({ domain: Number(m[1]), serverId: Number(m[2]), seq: Number(m[3]) });
  }
  return out;
}

/**
 * How many transactions of `ahead` (per domain) `behind` lacks: the sum over the domains of
 * `ahead` of `max(0, ahead.seq - behind.seq)` (a domain `behind` lacks counts in full).
 *
 * ### Examples
 * ```ts
 * mariadbBehind('0-1-10,1-2-5', '0-1-7'); // 3 + 5 = 8
 * ```
 */
export function mariadbBehind(ahead: string | null | undefined, behind: string | null | undefined): number {
  const mine = new Map<number, number>();
  for (const g of parseMariadbPosition(behind)) mine.set(g.domain, Math.max(mine.get(g.domain) ?? 0, g.seq));
  let missing = 0;
  const top = new Map<number, number>();
  for (const g of parseMariadbPosition(ahead)) top.set(g.domain, Math.max(top.get(g.domain) ?? 0, g.seq));
  for (const [domain, seq] of top) missing += Math.max(0, seq - (mine.get(domain) ?? 0));
  return missing;
}

/** One source of a MySQL GTID set: its UUID (with tag, if any) and its intervals, merged and sorted. */
export interface MysqlGtidSource {
  readonly source: string;
  readonly intervals: readonly (readonly [number, number])[];
}

function merge(intervals: [number, number][]): [number, number][] {
  intervals.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of intervals) {
    const last = out.at(-1);
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses a MySQL GTID set (`3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:11-18, 2174B383-...:1-3`,
 * line breaks allowed as `@@gtid_executed` prints them; 8.4 tags `uuid:tag:1-5`). A malformed part throws.
 *
 * ### Examples
 * ```ts
 * parseMysqlGtidSet('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7'); // [{ source: '3e11fa47-...', intervals: [[1, 5], [7, 7]] }]
 * ```
 */
export function parseMysqlGtidSet(text: string | null | undefined): MysqlGtidSource[] {
  const bySource = new Map<string, [number, number][]>();
  for (const raw of (text ?? '').split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const pieces = part.split(':');
    const uuid = pieces.shift()!.toLowerCase();
    if (!UUID.test(uuid)) throw new Error(`not a MySQL GTID set: ${JSON.stringify(part)}`);
    let key = uuid;
    let intervals = 0;
    for (const piece of pieces) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(piece);
      if (m) {
        const first = Number(m[1]);
        const last = Number(m[2] ?? m[1]);
        if (last < first) throw new Error(`not a MySQL GTID set: ${JSON.stringify(part)}`);
        bySource.set(key, [...(bySource.get(key) ?? []), [first, last]]);
        intervals++;
      } else if (/^[a-z_][a-z0-9_]{0,31}$/i.test(piece)) key = `${uuid}:${piece.toLowerCase()}`;
      else throw new Error(`not a MySQL GTID set: ${JSON.stringify(part)}`);
    }
    if (intervals === 0) throw new Error(`not a MySQL GTID set: ${JSON.stringify(part)}`);
  }
  return [...bySource].map(([source, intervals]) => ({ source, intervals: merge(intervals) }));
}

/**
 * How many transactions of the GTID set `ahead` are not in `behind` (the size of
 * `GTID_SUBTRACT(ahead, behind)`).
 *
 * ### Examples
 * ```ts
 * mysqlBehind('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10', '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-7'); // 3
 * ```
 */
export function mysqlBehind(ahead: string | null | undefined, behind: string | null | undefined): number {
  const have = new Map(parseMysqlGtidSet(behind).map((s) => [s.source, s.intervals]));
  let missing = 0;
  for (const { source, intervals } of parseMysqlGtidSet(ahead)) {
    const mine = have.get(source) ?? [];
    for (const [s, e] of intervals) {
      let count = e - s + 1;
      for (const [ms, me] of mine) {
        const lo = Math.max(s, ms);
        const hi = Math.min(e, me);
        if (hi >= lo) count -= hi - lo + 1;
      }
      missing += count;
    }
  }
  return missing;
}
