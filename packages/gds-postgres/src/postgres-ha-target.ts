/**
 * Whether a failover target follows the primary a manager is connected to: same cluster (system
 * identifier), same timeline, and streaming from this server. LSNs compared across clusters or
 * diverged timelines mean nothing, so failover checks this before any LSN.
 *
 * @module
 */
import type { PostgreSQLConnection } from './postgres-connection.js';

/** This server's identity: its cluster, its current timeline (on a primary), where it listens. */
export interface ServerIdentity {
  systemIdentifier: string;
  /** The timeline a primary writes on (from its current WAL file name); undefined on a standby. */
  timeline?: number;
  /** Names this server answers to (host names, addresses, socket directories). */
  hosts: string[];
  port: number;
  /** Physical slots in use on this server. */
  activeSlots: string[];
}

/** The target's view of its upstream. */
export interface TargetIdentity {
  systemIdentifier: string;
  /** The timeline the walreceiver streams (received_tli), else the last checkpoint's. */
  timeline: number | undefined;
  senderHost: string | null;
  senderPort: number | null;
  slotName: string | null;
}

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

const SELF_SQL = `select (select system_identifier::text from pg_catalog.pg_control_system()) as sysid,
  case when pg_catalog.pg_is_in_recovery() then null
       else ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int end as tli,
  host(pg_catalog.inet_server_addr()) as addr, current_setting('port')::int as port,
  current_setting('listen_addresses') as listen, current_setting('unix_socket_directories') as sockets,
  coalesce((select array_agg(slot_name::text) from pg_catalog.pg_replication_slots where active and slot_type = 'physical'), '{}') as slots`;

const TARGET_SQL = `select (select system_identifier::text from pg_catalog.pg_control_system()) as sysid,
  coalesce(w.received_tli, (select timeline_id from pg_catalog.pg_control_checkpoint())) as tli,
  w.sender_host, w.sender_port, w.slot_name
from (select 1) one left join pg_catalog.pg_stat_wal_receiver w on true`;

/**
 * Reads this server's identity.
 *
 * ### Examples
 * ```ts
 * const me = await readServerIdentity(pg, 'db.example', signal);
 * ```
 */
export async function readServerIdentity(pg: PostgreSQLConnection, connectedHost: string, signal: AbortSignal): Promise<ServerIdentity> {
  const row = (
    await pg.query<{ sysid: string; tli: number | null; addr: string | null; port: number; listen: string; sockets: string; slots: string[] }>(SELF_SQL, [], { signal })
  )[0]!;
  const hosts = new Set<string>([connectedHost, ...(row.addr ? [row.addr] : [])]);
  for (const part of `${row.listen},${row.sockets}`.split(',')) if (part.trim() && part.trim() !== '*') hosts.add(part.trim());
  // a server reached on a loopback address (or listening on every address) answers on all of them
  if ([...hosts].some((h) => LOOPBACK.includes(h)) || row.listen.split(',').some((p) => p.trim() === '*')) for (const h of LOOPBACK) hosts.add(h);
  return { systemIdentifier: row.sysid, timeline: row.tli ?? undefined, hosts: [...hosts], port: row.port, activeSlots: row.slots };
}

/**
 * Reads what the target says about its upstream.
 *
 * ### Examples
 * ```ts
 * const target = await readTargetIdentity(standby, signal);
 * ```
 */
export async function readTargetIdentity(standby: PostgreSQLConnection, signal: AbortSignal): Promise<TargetIdentity> {
  const row = (await standby.query<{ sysid: string; tli: number | null; sender_host: string | null; sender_port: number | null; slot_name: string | null }>(TARGET_SQL, [], { signal }))[0]!;
  return { systemIdentifier: row.sysid, timeline: row.tli ?? undefined, senderHost: row.sender_host, senderPort: row.sender_port, slotName: row.slot_name };
}

/**
 * Why `target` does not follow `self` (empty when it does): another cluster, another timeline,
 * or streaming from another server (neither its sender host:port is this server nor its slot is
 * in use here; a target with no wal receiver is left to the streaming check). Timeline and upstream are checked only when `self` is a primary.
 *
 * ### Examples
 * ```ts
 * followProblems(me, target, 'postgresql://s1:5432/postgres'); // ['... streams from 127.0.0.1:5432, not from this server ...']
 * ```
 */
export function followProblems(self: ServerIdentity, target: TargetIdentity, targetName: string): string[] {
  const problems: string[] = [];
  if (self.systemIdentifier !== target.systemIdentifier) {
    problems.push(`${targetName} belongs to another cluster (system identifier ${target.systemIdentifier}, this server's is ${self.systemIdentifier})`);
    return problems;
  }
  if (self.timeline === undefined) return problems;
  if (target.timeline !== self.timeline) {
    problems.push(`${targetName} is on timeline ${target.timeline ?? 'unknown'}, this primary writes timeline ${self.timeline}: their WAL has diverged`);
  }
  const senderIsSelf = target.senderPort === self.port && target.senderHost !== null && self.hosts.includes(target.senderHost);
  const slotIsHere = target.slotName !== null && self.activeSlots.includes(target.slotName);
  // a target with no wal receiver is refused as not streaming; one streaming elsewhere is named here
  if (!senderIsSelf && !slotIsHere && target.senderHost !== null) {
    problems.push(`${targetName} does not stream from this primary: it streams from ${target.senderHost}:${target.senderPort ?? ''}, and this server listens at ${self.hosts.join(', ')} port ${self.port}${target.slotName ? ` and has no active slot ${target.slotName}` : ''}`);
  }
  return problems;
}
