/**
 * High availability, engine-neutral: the node and configuration shapes and the
 * {@link HighAvailabilityManager} each engine extends (availability groups, streaming
 * replication, replica sets, Snowflake replication). An engine writes one read, its topology
 * (`readTopology`); the six reads are the core's, derived from it. The changes (failover, sync
 * mode, nodes) reject with UnsupportedOperationError unless the engine provides them, and run
 * through the same template as database changes (dry run, timeout, cancellation, results).
 *
 * @module
 */
import type { Database } from './database.js';
import { HARole, type HAState, type SyncMode } from './enums.js';
import { getProvider } from './registry.js';
import { requireFeatureOf } from './provider-helpers.js';
import type { DatabaseProvider } from './provider.js';
import { UnsupportedOperationError } from './errors.js';
import type { Feature } from './features.js';
import type { OperationResult } from './operation-result.js';
import { runOperation, runRead, type OperationContext, type OperationOutcome } from './operation-runner.js';
import { validateOptions } from './validation.js';
import {
  FailoverOptionsSchema,
  MutationOptionsSchema,
  ReadOptionsSchema,
  SyncModeSchema,
  type FailoverOptions,
  type MutationOptions,
  type ReadOptions,
} from './options.js';
import { ValidationError } from './errors.js';
import { checkValue } from './validation.js';
import type { TSchema } from 'typebox';

/**
 * A node of an HA configuration.
 *
 * ### Examples
 * ```ts
 * for (const n of await db.ha!.getAllNodes()) console.log(n.nodeName, n.role, n.lagSeconds);
 * ```
 */
export interface HANodeInfo {
  /** The node's name (replica name, application_name, host:port...). */
  nodeName: string;
  /** Its role. */
  role: HARole;
  /** Its state. */
  state: HAState;
  /** How to reach it: host:port or a connection string without secrets. */
  endpoint: string;
  /** What `endpoint` is: an address the node listens on, the client address it connected from (not connectable), or not known (empty). Absent means `listen`. */
  endpointKind?: 'listen' | 'client' | 'unknown';
  /** How far behind the primary it is, in seconds, when known. */
  lagSeconds?: number;
  /** When it last caught up, when known. */
  lastSyncTime?: Date;
  /** Whether it is healthy. */
  isHealthy: boolean;
  /** Engine facts (lag in bytes, queue sizes, sync priority...). */
  metadata: Record<string, unknown>;
}

/**
 * An HA configuration: its kind, nodes and modes.
 *
 * ### Examples
 * ```ts
 * const cfg = await db.ha!.getConfiguration();
 * if (cfg) console.log(cfg.type, cfg.syncMode, cfg.nodes.length);
 * ```
 */
export interface HAConfiguration<N extends HANodeInfo = HANodeInfo> {
  /** Its name (availability group, replica set, failover group...). */
  name: string;
  /** Its kind: `'availability_group'`, `'streaming_replication'`, `'replica_set'`, `'database_replication'`... */
  type: string;
  /** Every node, the one this connection is on included. */
  nodes: N[];
  /** Synchronisation mode. */
  syncMode: SyncMode;
  /** Whether the engine fails over on its own. */
  automaticFailover: boolean;
  /** When it was created, when known. */
  created?: Date;
  /** Engine facts. */
  metadata: Record<string, unknown>;
}

/**
 * What `addNode` takes: a name and the engine's own fields.
 *
 * ### Examples
 * ```ts
 * await db.ha!.addNode({ name: 'mongo3:27017', priority: 0 }, { dryRun: true });
 * ```
 */
export interface HANodeSpec {
  /** The node's name or host:port. */
  name: string;
  /** Engine fields. */
  [key: string]: unknown;
}

/**
 * What an engine's HA read returns: the configuration, the nodes, the overall state and whether
 * it is healthy (see `HighAvailabilityManager.readTopology`).
 *
 * ### Examples
 * ```ts
 * const t: HATopology = { configuration: undefined, nodes: [], status: 'unknown', healthy: false };
 * ```
 */
export interface HATopology<N extends HANodeInfo = HANodeInfo> {
  /** The configuration, or `undefined` when the database is in none. */
  configuration: HAConfiguration<N> | undefined;
  /** Every node seen from here, missing ones included. */
  nodes: N[];
  /** The overall state. */
  status: HAState;
  /** Whether the setup is healthy: never for a broken one. */
  healthy: boolean;
}

/**
 * Manages the HA configuration a database belongs to. Get it from `db.ha`.
 *
 * ### Examples
 * ```ts
 * if (db.supportsHighAvailability()) {
 *   const lag = await db.ha!.monitorLag();
 *   for (const [node, seconds] of Object.entries(lag)) if (seconds > 5) console.warn(node, seconds);
 * }
 * ```
 */
export abstract class HighAvailabilityManager<O extends ReadOptions = ReadOptions, D extends Database = Database, N extends HANodeInfo = HANodeInfo> {
  /** The database whose HA configuration this manages. */
  readonly database: D;

  /** Makes the manager for `database`. */
  constructor(database: D) {
    this.database = database;
  }

  /**
   * The engine's one HA read: the configuration, every node seen from here (missing ones
   * included), the overall state and whether it is healthy, by the engine's rules (a broken
   * setup is never healthy). The six reads below are derived from it.
   */
  protected abstract readTopology(signal: AbortSignal, options: O): Promise<HATopology<N>>;

  /** The schema of the reads' options (an engine with extra read options extends ReadOptionsSchema). */
  protected readonly readOptionsSchema: TSchema = ReadOptionsSchema;

  /**
   * The configuration, or `undefined` when the database is in none.
   *
   * ### Examples
   * ```ts
   * const config = await db.ha!.getConfiguration();
   * console.log(config?.name, config?.syncMode);
   * ```
   */
  getConfiguration(options?: O): Promise<HAConfiguration<N> | undefined> {
    return this.topologyRead('getConfiguration', options, (t) => t.configuration);
  }

  /**
   * The overall state.
   *
   * ### Examples
   * ```ts
   * if ((await db.ha!.getStatus()) !== 'healthy') alert();
   * ```
   */
  getStatus(options?: O): Promise<HAState> {
    return this.topologyRead('getStatus', options, (t) => t.status);
  }

  /**
   * Every node seen from here, missing ones included.
   *
   * ### Examples
   * ```ts
   * for (const n of await db.ha!.getAllNodes()) console.log(n.nodeName, n.role, n.state);
   * ```
   */
  getAllNodes(options?: O): Promise<N[]> {
    return this.topologyRead('getAllNodes', options, (t) => t.nodes);
  }

  /**
   * The primary, when it can be told from here.
   *
   * ### Examples
   * ```ts
   * console.log((await db.ha!.getPrimaryNode())?.endpoint);
   * ```
   */
  getPrimaryNode(options?: O): Promise<N | undefined> {
    return this.topologyRead('getPrimaryNode', options, (t) => t.nodes.find((n) => n.role === HARole.PRIMARY));
  }

  /**
   * Lag in seconds per non-primary node whose lag the engine can measure, keyed by node name
   * (a node left out still shows how far behind it is in `getAllNodes()`).
   *
   * ### Examples
   * ```ts
   * for (const [node, s] of Object.entries(await db.ha!.monitorLag())) console.log(node, s);
   * ```
   */
  monitorLag(options?: O): Promise<Record<string, number>> {
    return this.topologyRead('monitorLag', options, (t) => {
      const out: Record<string, number> = {};
      for (const n of t.nodes) if (n.role !== HARole.PRIMARY && n.lagSeconds !== undefined) out[n.nodeName] = n.lagSeconds;
      return out;
    });
  }

  /**
   * Whether the HA setup is healthy (never for a broken one: a missing node, paused replay...).
   *
   * ### Examples
   * ```ts
   * if (!(await db.ha!.isHealthy())) page();
   * ```
   */
  isHealthy(options?: O): Promise<boolean> {
    return this.topologyRead('isHealthy', options, (t) => t.healthy);
  }

  /** The engine, from the registry. */
  protected get engine(): DatabaseProvider {
    return getProvider(this.database.type);
  }

  private topologyRead<R>(operation: string, options: O | undefined, pick: (t: HATopology<N>) => R): Promise<R> {
    return this.read(operation, options, async (signal) => pick(await this.readTopology(signal, (options ?? {}) as O)), this.readOptionsSchema);
  }

  /**
   * Creates an HA configuration.
   *
   * ### Examples
   * ```ts
   * await db.ha!.createConfiguration({ dryRun: true });
   * ```
   */
  createConfiguration(options: MutationOptions & Record<string, unknown> = {}): Promise<OperationResult> {
    return this.change('createConfiguration', 'ha', options, (ctx) => this.performCreateConfiguration(ctx, options), this.createConfigurationSchema ?? COMMON_ONLY);
  }

  /**
   * The schema of the engine's `createConfiguration` options (extend MutationOptionsSchema);
   * when unset only `dryRun` and `timeoutMs` are checked.
   */
  protected readonly createConfigurationSchema: TSchema | undefined = undefined;

  /**
   * Adds a node.
   *
   * ### Examples
   * ```ts
   * await db.ha!.addNode({ name: 'replica3' });
   * ```
   */
  addNode(node: HANodeSpec, options: MutationOptions = {}): Promise<OperationResult> {
    if (!node || typeof node.name !== 'string' || node.name.length === 0) {
      return Promise.reject(new ValidationError('Invalid node', [{ path: '/name', message: 'must be a non-empty string' }], { operation: 'addNode' }));
    }
    return this.change('addNode', 'ha.addNode', options, (ctx) => this.performAddNode(ctx, node));
  }

  /**
   * Removes a node.
   *
   * ### Examples
   * ```ts
   * await db.ha!.removeNode('standby1', { dryRun: true });
   * ```
   */
  removeNode(nodeName: string, options: MutationOptions = {}): Promise<OperationResult> {
    if (typeof nodeName !== 'string' || nodeName.length === 0) {
      return Promise.reject(new ValidationError('Invalid node name', [{ path: '', message: 'must be a non-empty string' }], { operation: 'removeNode' }));
    }
    return this.change('removeNode', 'ha.removeNode', options, (ctx) => this.performRemoveNode(ctx, nodeName));
  }

  /**
   * Fails over to `target` (a node name or URL, as the engine needs); `force` allows data loss.
   *
   * ### Examples
   * ```ts
   * await db.ha!.failover({ target: 'postgres://standby:5433/postgres' });
   * ```
   */
  async failover(options: FailoverOptions = {}): Promise<OperationResult> {
    return this.change('failover', 'ha.failover', options, (ctx) => this.performFailover(ctx, options), FailoverOptionsSchema);
  }

  /**
   * Sets the synchronisation mode.
   *
   * ### Examples
   * ```ts
   * await db.ha!.setSyncMode('synchronous');
   * ```
   */
  async setSyncMode(mode: SyncMode, options: MutationOptions = {}): Promise<OperationResult> {
    if (!checkValue(SyncModeSchema, mode)) {
      throw new ValidationError('Invalid sync mode', [{ path: '', message: 'must be synchronous, asynchronous or semi_synchronous' }], {
        operation: 'setSyncMode',
      });
    }
    return this.change('setSyncMode', 'ha.syncMode', options, (ctx) => this.performSetSyncMode(ctx, mode));
  }

  /** Engine hook for {@link createConfiguration}. */
  protected performCreateConfiguration(_ctx: OperationContext, _options: Record<string, unknown>): Promise<OperationOutcome> {
    return Promise.reject(this.unsupported('createConfiguration'));
  }
  /** Engine hook for {@link addNode}. */
  protected performAddNode(_ctx: OperationContext, _node: HANodeSpec): Promise<OperationOutcome> {
    return Promise.reject(this.unsupported('addNode'));
  }
  /** Engine hook for {@link removeNode}. */
  protected performRemoveNode(_ctx: OperationContext, _nodeName: string): Promise<OperationOutcome> {
    return Promise.reject(this.unsupported('removeNode'));
  }
  /** Engine hook for {@link failover}. */
  protected performFailover(_ctx: OperationContext, _options: FailoverOptions): Promise<OperationOutcome> {
    return Promise.reject(this.unsupported('failover'));
  }
  /** Engine hook for {@link setSyncMode}. */
  protected performSetSyncMode(_ctx: OperationContext, _mode: SyncMode): Promise<OperationOutcome> {
    return Promise.reject(this.unsupported('setSyncMode'));
  }

  /**
   * Runs an HA read with the database's timeout, cancellation and error mapping; the options are
   * checked first (ReadOptionsSchema: `timeoutMs` a whole number in a timer's range, `signal`, no
   * unknown keys), so a bad one is a ValidationError before anything reaches the server.
   */
  protected read<T>(operation: string, options: ReadOptions | undefined, body: (signal: AbortSignal) => Promise<T>, schema: TSchema = ReadOptionsSchema): Promise<T> {
    try {
      validateOptions(schema, options ?? {}, operation, this.database.type);
    } catch (error) {
      return Promise.reject(error);
    }
    const engine = this.engine;
    return runRead({ operation, engine: engine.type, timeoutMs: options?.timeoutMs, signal: options?.signal, mapError: (e, op) => engine.mapError(e, op) }, body);
  }

  /**
   * Runs an HA change through the shared template: validates the options against `schema`
   * (MutationOptionsSchema by default, so an unknown key such as `force` is refused rather than
   * dropped; only an engine's `createConfiguration` without its own schema checks just
   * `dryRun`/`timeoutMs` and validates the rest itself), checks the capability, then runs `body`
   * with dry run, timeout, cancellation and error mapping.
   */
  protected async change(
    operation: string,
    feature: Feature,
    options: MutationOptions,
    body: (ctx: OperationContext) => Promise<OperationOutcome>,
    schema: TSchema | typeof COMMON_ONLY = MutationOptionsSchema,
  ): Promise<OperationResult> {
    if (schema === COMMON_ONLY) validateOptions(MutationOptionsSchema, pickMutation(options), operation, this.database.type);
    else validateOptions(schema, options, operation, this.database.type);
    const engine = this.engine;
    requireFeatureOf(engine, feature, operation);
    return runOperation(
      {
        operation,
        engine: engine.type,
        dryRun: options.dryRun,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onMessage: options.onMessage,
        mapError: (e, op) => engine.mapError(e, op),
        describeStatement: engine.describeStatement,
      },
      body,
    );
  }

  /** The error for an operation this engine's HA manager does not provide. */
  protected unsupported(operation: string): UnsupportedOperationError {
    return new UnsupportedOperationError(`${this.database.type} does not support ${operation} of its HA configuration`, {
      engine: this.database.type,
      operation,
    });
  }
}

/** Marks an engine's `createConfiguration` that validates its own keys: only the common ones are checked here. */
/**
 * Passed as the schema of an HA change whose engine validates its own options: only the common
 * ones (dryRun, timeoutMs...) are checked by the core.
 *
 * ### Examples
 * ```ts
 * return this.change('createConfiguration', 'ha', options, body, COMMON_ONLY);
 * ```
 */
export const COMMON_ONLY: unique symbol = Symbol('common options only');

function pickMutation(data: MutationOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if ('signal' in data) out.signal = data.signal;
  if ('onMessage' in data) out.onMessage = data.onMessage;
  if ('dryRun' in data) out.dryRun = data.dryRun;
  if ('timeoutMs' in data) out.timeoutMs = data.timeoutMs;
  return out;
}
