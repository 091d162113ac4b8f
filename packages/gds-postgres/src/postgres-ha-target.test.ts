import { describe, expect, it } from '@jest/globals';
import { followProblems, type ServerIdentity, type TargetIdentity } from './postgres-ha-target.js';

describe('followProblems', () => {
  const self: ServerIdentity = { systemIdentifier: '7', timeline: 2, hosts: ['127.0.0.1', 'localhost', '::1', '/tmp'], port: 5433, activeSlots: ['s_one'] };
  const target = (t: Partial<TargetIdentity>): TargetIdentity => ({ systemIdentifier: '7', timeline: 2, senderHost: '127.0.0.1', senderPort: 5433, slotName: null, ...t });

  it('accepts a target of this cluster and timeline streaming from this server (by host:port or by an active slot here)', () => {
    expect(followProblems(self, target({}), 't')).toEqual([]);
    expect(followProblems(self, target({ senderHost: '/tmp' }), 't')).toEqual([]);
    expect(followProblems(self, target({ senderHost: 'db.example', slotName: 's_one' }), 't')).toEqual([]);
  });

  it('refuses another cluster, another timeline, another upstream', () => {
    expect(followProblems(self, target({ systemIdentifier: '8' }), 't')).toEqual([expect.stringMatching(/another cluster \(system identifier 8, this server's is 7\)/)]);
    expect(followProblems(self, target({ timeline: 1 }), 't')).toEqual([expect.stringMatching(/timeline 1, this primary writes timeline 2/)]);
    expect(followProblems(self, target({ senderPort: 5432 }), 't')).toEqual([expect.stringMatching(/does not stream from this primary: it streams from 127\.0\.0\.1:5432/)]);
    expect(followProblems(self, target({ senderHost: 'db.example', slotName: 's_two' }), 't')).toEqual([expect.stringMatching(/no active slot s_two/)]);
  });

  it('leaves a target with no wal receiver to the streaming check, and checks only the cluster from a standby', () => {
    expect(followProblems(self, target({ senderHost: null, senderPort: null }), 't')).toEqual([]);
    expect(followProblems({ ...self, timeline: undefined }, target({ timeline: 9, senderPort: 1 }), 't')).toEqual([]);
  });
});
