// The replication statements and the status-column mapping of each flavour and version. MySQL 8 cannot
// run here: what is built for it is checked against the manual's rules in test/evidence/mysql8-replication.json
// (MariaDB's run for real in test/ha.integration.test.ts and are checked against mariadb-replication.json too).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as S from './mysql-ha-statements.js';

interface Rule {
  id: string;
  since?: string;
  statements?: Record<string, unknown>;
  expected?: Record<string, unknown>;
  renamed?: Record<string, string>;
  unchanged?: string[];
  example?: Record<string, unknown>;
  columns?: string[];
}
const load = (file: string) => (JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', file), 'utf8')) as { rules: Rule[] }).rules;
const mysql = load('mysql8-replication.json');
const maria = load('mariadb-replication.json');
const rule = (rules: Rule[], id: string): Rule => {
  const r = rules.find((x) => x.id === id);
  if (!r) throw new Error(`evidence rule ${id} missing`);
  return r;
};
const v = (flavor: 'mysql' | 'mariadb', version: string): S.ReplicationServer => {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  return { flavor, major, minor, patch };
};
const before = (version: string) => {
  const [a, b, c] = version.split('.').map(Number) as [number, number, number];
  return c > 0 ? `${a}.${b}.${c - 1}` : `${a}.${b - 1}.99`;
};

describe('MySQL 8 replication statements (manual rules, not run here)', () => {
  it('uses the REPLICA keyword from 8.0.22 and the SLAVE one before, for every statement', () => {
    const r = rule(mysql, 'replica-keyword');
    const build = (s: S.ReplicationServer) => [S.showReplicaStatus(s), S.stopReplica(s), S.startReplica(s), S.resetReplicaAll(s), S.showReplicaHosts(s)].map((x) => x.text);
    expect(build(v('mysql', r.since!))).toEqual(r.statements!['after']);
    expect(build(v('mysql', before(r.since!)))).toEqual(r.statements!['before']);
    expect(build(v('mysql', '8.4.0'))).toEqual(r.statements!['after']);
    expect(S.stopReplica(v('mysql', '8.0.22'), 'IO_THREAD').text).toBe('STOP REPLICA IO_THREAD');
  });

  it('configures a replica with CHANGE REPLICATION SOURCE TO ... SOURCE_AUTO_POSITION = 1 from 8.0.23, CHANGE MASTER TO before', () => {
    const r = rule(mysql, 'change-replication-source');
    const spec = { host: 'db1', port: 3306, user: 'repl', password: "pw'x" };
    expect(S.changeSource(v('mysql', '8.0.23'), spec).text).toBe(r.expected!['8.0.23']);
    expect(S.changeSource(v('mysql', '8.0.22'), spec).text).toBe(r.expected!['8.0.22']);
    // re-pointing keeps user and password: they are left out
    expect(S.changeSource(v('mysql', '8.4.2'), { host: 'db2', port: 3307 }).text).toBe("CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db2', SOURCE_PORT = 3307, SOURCE_AUTO_POSITION = 1");
    expect(S.changeSource(v('mysql', '8.4.2'), spec).params).toEqual([]);
  });

  it('maps every renamed SHOW REPLICA STATUS column, and the manual example, to the same shape as the old names', () => {
    const r = rule(mysql, 'show-replica-status-columns');
    for (const [old, renamed] of Object.entries(r.renamed!)) {
      const pair = Object.values(S.STATUS_COLUMNS).find(([o]) => o === old);
      expect([old, pair?.[1]]).toEqual([old, renamed]);
    }
    expect(Object.keys(S.STATUS_COLUMNS)).toHaveLength(Object.keys(r.renamed!).length);
    const fromNew = S.replicaStatusOf(r.example!);
    expect(fromNew).toMatchObject({ sourceHost: '127.0.0.1', sourcePort: 13000, sourceUser: 'root', sourceServerId: 1, ioRunning: 'Yes', sqlRunning: 'Yes', secondsBehind: 0, readPosition: 927, execPosition: 927, gtidMode: 'Auto_Position' });
    expect(fromNew.receivedGtids).toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5');
    expect(fromNew.executedGtids).toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5');
    // the same row under the pre-8.0.22 names maps identically
    const old: Record<string, unknown> = {};
    const back = Object.fromEntries(Object.entries(r.renamed!).map(([o, n]) => [n, o]));
    for (const [k, val] of Object.entries(r.example!)) old[back[k] ?? k] = val;
    expect(S.replicaStatusOf(old)).toEqual(fromNew);
    expect(S.replicaStatusOf({ ...r.example!, Seconds_Behind_Source: null }).secondsBehind).toBeNull();
  });

  it('reads SHOW REPLICAS rows (Source_Id, Replica_UUID)', () => {
    const cols = rule(mysql, 'show-replicas').columns!;
    const row = Object.fromEntries(cols.map((c, i) => [c, ['10', 'iconnect2', '3306', '3', '14cb6624-7f93-11e0-b2c0-c80aa9429562'][i]]));
    expect(S.replicaHostOf(row)).toEqual({ serverId: 10, host: 'iconnect2', port: 3306, sourceId: 3, uuid: '14cb6624-7f93-11e0-b2c0-c80aa9429562' });
  });

  it('fences with super_read_only and lifts it with read_only = OFF', () => {
    const r = rule(mysql, 'super-read-only');
    expect(S.fence(v('mysql', '8.0.35')).text).toBe(r.statements!['fence']);
    expect(S.UNFENCE.text).toBe(r.statements!['unfence']);
    // a primary that was read_only without super_read_only gets back exactly that
    expect(S.SUPER_READ_ONLY_OFF.text).toBe('SET GLOBAL super_read_only = OFF');
  });

  it('names semi-sync source/replica from 8.0.26 and loads the plugin', () => {
    const r = rule(mysql, 'semi-sync-names');
    for (const version of ['8.0.26', '8.0.25'] as const) {
      const e = r.expected![version] as { source: string; replica: string; sourcePlugin: string };
      const n = S.semiSyncNames(v('mysql', version));
      expect([n.source, n.replica, S.installPlugin(n.sourcePlugin!).text]).toEqual([e.source, e.replica, e.sourcePlugin]);
      expect(S.setSemiSync(v('mysql', version), 'source', true).text).toBe(`SET GLOBAL ${e.source}_enabled = ON`);
    }
  });

  it('waits with WAIT_FOR_EXECUTED_GTID_SET, the GTID set as a parameter', () => {
    expect(S.waitForPosition(v('mysql', '8.0.30'), 'uuid:1-5', 5)).toEqual({ text: 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS r', params: ['uuid:1-5', 5] });
    expect(S.serverState(v('mysql', '8.0.26')).text).toContain('@@GLOBAL.log_replica_updates');
    expect(S.serverState(v('mysql', '8.0.25')).text).toContain('@@GLOBAL.log_slave_updates');
    expect(S.serverState(v('mysql', '8.0.25')).text).toContain('@@GLOBAL.super_read_only');
  });
});

describe('MariaDB replication statements (also run for real)', () => {
  it('uses the REPLICA synonyms from 10.5.1, MASTER/SLAVE before', () => {
    const since = rule(maria, 'show-replica-status').since!;
    expect(S.showReplicaStatus(v('mariadb', since)).text).toBe('SHOW REPLICA STATUS');
    expect(S.showReplicaStatus(v('mariadb', '10.5.0')).text).toBe('SHOW SLAVE STATUS');
    expect(S.showReplicaHosts(v('mariadb', rule(maria, 'show-replica-hosts').since!)).text).toBe('SHOW REPLICA HOSTS');
    expect(S.showReplicaHosts(v('mariadb', '10.4.30')).text).toBe('SHOW SLAVE HOSTS');
    expect(S.resetReplicaAll(v('mariadb', '10.4.30')).text).toBe('RESET SLAVE ALL');
  });

  it('CHANGE MASTER TO with MASTER_USE_GTID, never SOURCE_* names; fence is read_only', () => {
    const s = v('mariadb', '11.4.2');
    expect(S.changeSource(s, { host: 'db1', port: 3306, user: 'repl', password: 'secret-1' }).text).toBe(
      "CHANGE MASTER TO MASTER_HOST = 'db1', MASTER_PORT = 3306, MASTER_USER = 'repl', MASTER_PASSWORD = 'secret-1', MASTER_USE_GTID = slave_pos",
    );
    expect(S.changeSource(s, { host: 'db1', port: 3306, mariadbGtid: 'current_pos' }).text).toMatch(/MASTER_USE_GTID = current_pos$/);
    expect(S.fence(s).text).toBe('SET GLOBAL read_only = ON');
    const semi = rule(maria, 'semi-sync').statements!;
    expect(S.setSemiSync(s, 'source', true).text).toBe(semi['sourceOn']);
    expect(S.setSemiSync(s, 'replica', true).text).toBe(semi['replicaOn']);
    expect(S.semiSyncNames(s).sourcePlugin).toBeUndefined();
    expect(S.waitForPosition(s, '0-1-5', 0.5)).toEqual({ text: 'SELECT MASTER_GTID_WAIT(?, ?) AS r', params: ['0-1-5', 0.5] });
  });

  it('quotes hostile literals exactly and refuses bad ports and empty hosts', () => {
    const s = v('mariadb', '10.11.6');
    const text = S.changeSource(s, { host: "h', MASTER_PORT = 1 -- ", port: 3306, user: 'a\\b', password: "x'; DROP DATABASE app; --" }).text;
    expect(text).toBe("CHANGE MASTER TO MASTER_HOST = 'h'', MASTER_PORT = 1 -- ', MASTER_PORT = 3306, MASTER_USER = 'a\\\\b', MASTER_PASSWORD = 'x''; DROP DATABASE app; --', MASTER_USE_GTID = slave_pos");
    expect(() => S.changeSource(s, { host: 'h', port: 0 })).toThrow(RangeError);
    expect(() => S.changeSource(s, { host: 'h', port: 3306.5 })).toThrow(RangeError);
    expect(() => S.changeSource(s, { host: '', port: 3306 })).toThrow(RangeError);
    expect(() => S.changeSource(s, { host: 'h\u0000', port: 3306 })).toThrow(/NUL/);
  });
});
