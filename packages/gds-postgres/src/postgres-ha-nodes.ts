/**
 * `removeNode` of PostgreSQL streaming replication: a standby seen from the primary that streams
 * through a replication slot is removed by ending its walsender and dropping the slot (see
 * postgres-ha.ts for the rules as a whole).
 *
 * @module
 */
import { HARole, ValidationError } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import type { PostgreSQLConnection } from './postgres-connection.js';
import { readReplicationTopology } from './postgres-ha-topology.js';
import { validateIdentifierLength } from './postgres-quote.js';
import { dropReplicationSlot, terminateBackend } from './postgres-statements.js';

/**
 * Removes the standby `nodeName` (as getAllNodes() names it): ends its walsender and drops its
 * replication slot; a standby without a slot is refused (only its own host can stop it).
 *
 * ### Examples
 * ```ts
 * await removeNode(ctx, pg, 'standby_slot_1');
 * ```
 */
export async function removeNode(ctx: OperationContext, pg: PostgreSQLConnection, nodeName: string): Promise<OperationOutcome> {
  // the name as getAllNodes() shows it (exact), or a slot's name
  const { nodes } = await readReplicationTopology(pg, ctx.signal, {});
  const node = nodes.find((n) => n.nodeName === nodeName);
  const slotName = node ? (node.metadata.slotName as string | undefined) : undefined;
  if (!node || node.metadata.self === true || node.role !== HARole.STANDBY) {
    throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `'${nodeName}' is not a standby seen from here (${nodes.filter((n) => n.role === HARole.STANDBY).map((n) => n.nodeName).join(', ') || 'none'})` }], {
      engine: 'postgresql',
    });
  }
  if (!slotName) {
    throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `'${nodeName}' has no replication slot: a standby without a slot stops only when it is reconfigured on its host${node.metadata.synchronousStandby ? ', and a name in synchronous_standby_names goes with setSyncMode' : ''}` }], {
      engine: 'postgresql',
    });
  }
  validateIdentifierLength(slotName, 'slot name');
  const rows = await pg.query<{ slot_name: string; active_pid: number | null }>('select s.slot_name, s.active_pid from pg_catalog.pg_replication_slots s where s.slot_name = $1::text', [slotName], { signal: ctx.signal });
  const slot = rows[0];
  if (!slot) throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `the replication slot '${slotName}' of '${nodeName}' no longer exists` }], { engine: 'postgresql' });
  if (slot.active_pid !== null) {
    // the walsender of nodeName
    await ctx.step(terminateBackend(slot.active_pid), (st) => pg.query(st.text, st.params, { signal: ctx.signal }));
  }
  await ctx.step(dropReplicationSlot(slot.slot_name), async (st) => {
    for (let i = 0; ; i++) {
      try {
        return await pg.query(st.text, st.params, { signal: ctx.signal });
      } catch (e) {
        // the walsender may take a moment to release the slot
        if (i >= 20 || (e as { code?: string }).code !== '55006') throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return { message: `dropped replication slot ${slot.slot_name} of ${nodeName}` };
}
