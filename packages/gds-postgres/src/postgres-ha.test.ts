import { describe, expect, it } from '@jest/globals';
import { HARole, HAState, SyncMode, type HANodeInfo } from '@gds/database';
import { parseSyncStandbyNames, standbyNames, topologyOf, upstreamVerdict } from './postgres-ha-read.js';

describe('parseSyncStandbyNames', () => {
  it.each([
    ['', { method: 'first', count: 0, names: [] }],
    ['s1', { method: 'first', count: 1, names: ['s1'] }],
    ['s1, s2', { method: 'first', count: 1, names: ['s1', 's2'] }],
    ['*', { method: 'first', count: 1, names: ['*'] }],
    ['2 (s1, s2, s3)', { method: 'first', count: 2, names: ['s1', 's2', 's3'] }],
    ['FIRST 1 (ghost_standby)', { method: 'first', count: 1, names: ['ghost_standby'] }],
    ['any 2 (a, "B c", "x""y")', { method: 'any', count: 2, names: ['a', 'B c', 'x"y'] }],
    ['ANY 1 ("walreceiver")', { method: 'any', count: 1, names: ['walreceiver'] }],
  ])('reads %j', (value, parsed) => {
    expect(parseSyncStandbyNames(value)).toEqual(parsed);
  });
});

describe('standbyNames', () => {
  const row = (application_name: string, client_addr: string | null, client_port: number | null, slot_name: string | null = null) => ({ application_name, client_addr, client_port, slot_name });

  it('names by slot, then a chosen application_name, then walreceiver@address (not stable: built from the client address)', () => {
    expect(standbyNames([row('walreceiver', '10.0.0.5', 40001, 'slot_a'), row('standby_b', '10.0.0.6', 40002), row('walreceiver', '10.0.0.7', 40003)])).toEqual([
      { name: 'slot_a', stable: true },
      { name: 'standby_b', stable: true },
      { name: 'walreceiver@10.0.0.7', stable: false },
    ]);
  });

  it('keeps two default-named standbys on one host apart, and says the names are not stable', () => {
    expect(standbyNames([row('walreceiver', '127.0.0.1', 50001), row('walreceiver', '127.0.0.1', 50002)])).toEqual([
      { name: 'walreceiver@127.0.0.1:50001', stable: false },
      { name: 'walreceiver@127.0.0.1:50002', stable: false },
    ]);
  });

  it('names a standby on a local socket and one with an empty application_name', () => {
    expect(standbyNames([row('', null, null)])).toEqual([{ name: 'walreceiver@local', stable: false }]);
  });

  it('appends the port to a shared chosen name too, and says it is not stable', () => {
    expect(standbyNames([row('app', '10.0.0.1', 1), row('app', '10.0.0.2', 2)])).toEqual([
      { name: 'app:1', stable: false },
      { name: 'app:2', stable: false },
    ]);
  });
});

describe('topologyOf (the health rules of the one replication read)', () => {
  const node = (nodeName: string, role: HARole, state: HAState, isHealthy = state === HAState.HEALTHY || state === HAState.SYNCED): HANodeInfo => ({ nodeName, role, state, endpoint: nodeName, isHealthy, metadata: {} });
  const primary = node('127.0.0.1:5432', HARole.PRIMARY, HAState.HEALTHY);

  it('a lone primary: no configuration, status unknown, not healthy', () => {
    expect(topologyOf({ standby: false, nodes: [primary], syncNames: '' })).toEqual({ configuration: undefined, nodes: [primary], status: HAState.UNKNOWN, healthy: false });
  });

  it('a primary with a healthy standby: healthy; the configuration holds the nodes and the sync mode', () => {
    const t = topologyOf({ standby: false, nodes: [primary, node('s1', HARole.STANDBY, HAState.SYNCED)], syncNames: 'ANY 1 ("s1")' });
    expect([t.status, t.healthy, t.configuration?.syncMode, t.configuration?.nodes.length, t.configuration?.metadata.viewedFrom]).toEqual([HAState.HEALTHY, true, SyncMode.SYNCHRONOUS, 2, 'primary']);
  });

  it('a missing standby (disconnected) is worse than one too many bytes behind: status disconnected, not healthy', () => {
    const t = topologyOf({ standby: false, nodes: [primary, node('late', HARole.STANDBY, HAState.NOT_SYNCHRONIZED), node('gone_slot', HARole.STANDBY, HAState.DISCONNECTED)], syncNames: '' });
    expect([t.status, t.healthy, t.configuration?.syncMode]).toEqual([HAState.DISCONNECTED, false, SyncMode.ASYNCHRONOUS]);
  });

  it('seen from a standby: paused replay is suspended and never healthy; alone, a standby is still in a configuration', () => {
    const paused = topologyOf({ standby: true, nodes: [node('me', HARole.STANDBY, HAState.SUSPENDED), node('up:5432', HARole.PRIMARY, HAState.HEALTHY)], syncNames: '' });
    expect([paused.status, paused.healthy, paused.configuration?.metadata.viewedFrom]).toEqual([HAState.SUSPENDED, false, 'standby']);
    const alone = topologyOf({ standby: true, nodes: [node('me', HARole.STANDBY, HAState.DISCONNECTED)], syncNames: '' });
    expect([alone.status, alone.healthy, alone.configuration === undefined]).toEqual([HAState.DISCONNECTED, false, false]);
  });
});

describe('upstreamVerdict (gds\'s own probe of a standby\'s upstream)', () => {
  const ok = { kind: 'answered', inRecovery: false, systemId: '7' } as const;
  it('is healthy only when it answers as a primary of this cluster and the standby streams from it', () => {
    expect(upstreamVerdict(ok, 'streaming', '7')).toEqual({ healthy: true, reachable: true });
    expect(upstreamVerdict({ kind: 'answered', inRecovery: false }, 'streaming', undefined)).toEqual({ healthy: true, reachable: true }); // identity not readable: not compared
  });
  it('never takes the wal receiver\'s word alone: unreached, refused, another cluster, in recovery, not streaming', () => {
    expect(upstreamVerdict({ kind: 'unreached', message: 'connect ETIMEDOUT' }, 'streaming', '7')).toEqual({ healthy: false, reachable: false, reason: 'not reached from here (connect ETIMEDOUT); the wal receiver says streaming' });
    expect(upstreamVerdict({ kind: 'refused', message: 'password authentication failed for user "app"' }, 'streaming', '7')).toMatchObject({ healthy: false, reachable: true, reason: expect.stringMatching(/^answers, but refused gds's session/) as unknown as string });
    expect(upstreamVerdict({ ...ok, systemId: '8' }, 'streaming', '7')).toMatchObject({ healthy: false, reachable: true, reason: expect.stringMatching(/another cluster \(system identifier 8, this standby's is 7\)/) as unknown as string });
    expect(upstreamVerdict({ ...ok, inRecovery: true }, 'streaming', '7')).toMatchObject({ healthy: false, reason: expect.stringMatching(/in recovery/) as unknown as string });
    expect(upstreamVerdict(ok, 'stopping', '7')).toMatchObject({ healthy: false, reason: 'this standby is not streaming from it (wal receiver stopping)' });
    expect(upstreamVerdict(ok, null, '7')).toMatchObject({ healthy: false, reason: 'this standby is not streaming from it (wal receiver not running)' });
  });
});
