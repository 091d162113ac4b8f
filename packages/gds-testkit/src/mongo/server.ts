/**
 * MongoSimulator: a loopback server that speaks enough of MongoDB's wire protocol for the
 * official driver (`mongodb` 7) to run real operations against it: a standalone, or a replica
 * set of several members on several loopback ports (each answering `hello` with the set's
 * hosts, its primary and itself, so the driver discovers and monitors the set).
 *
 * What it answers, in this order: scripted replies (`script()`: per command, optionally per
 * database, member or predicate, a reply, an error or a delay, for a number of times); the
 * replica-set commands (see replica-set.ts); the in-memory store (see store.ts); otherwise
 * `CommandNotFound`. Every command it receives (but the `hello` heartbeats) is recorded with its
 * database and member, so tests assert exactly what was sent.
 *
 * Documented server behaviour it reproduces (the evidence is in
 * packages/gds-mongodb/test/evidence/server-behaviours.json): snapshot reads of a capped
 * collection fail with SnapshotUnavailable (246) before 8.0; a replica set with no primary
 * (`setNoPrimary()`, an election) or whose primary sees no voting majority (members marked down
 * in `memberStates`) has every member answer `hello` as a secondary with no `primary`, and writes
 * fail with NotWritablePrimary; see replica-set.ts and store.ts for the rest.
 *
 * It is a test double, not a database: no authentication, no TLS, no compression, equality-only
 * filters. Results from it are simulator results, never a real server's.
 *
 * @module
 */
import net from 'node:net';
import { ObjectId, Timestamp, type Document } from 'bson';
import { decodeMessage, encodeMsg, encodeReply, MORE_TO_COME, OP_QUERY, splitFrames, type WireRequest } from './wire.js';
import { SimCommandError, SimStore } from './store.js';
import { replicaSetCommand, type MemberState } from './replica-set.js';

/**
 * A command the simulator received.
 *
 * ### Examples
 * ```ts
 * const drops = sim.received.filter((r) => r.command === 'dropDatabase');
 * expect(drops[0]?.db).toBe('app');
 * ```
 */
export interface ReceivedCommand {
  /** The database it ran in (`$db`). */
  db: string;
  /** The command name (the body's first key). */
  command: string;
  /** The whole body, decoded with bson's defaults (document sequences folded in). */
  body: Document;
  /** The member that received it, `127.0.0.1:<port>`. */
  member: string;
  /** The body's BSON bytes as they arrived (types the default decoding loses stay visible here). */
  raw: Buffer;
  /** The raw BSON of each document of the kind-1 sections, by identifier. */
  sequences: Record<string, Buffer[]>;
}

/** An error reply a script can give. */
export interface ScriptedError {
  /** The server error code, e.g. 13 (Unauthorized). */
  code: number;
  /** Its code name. */
  codeName?: string;
  /** Its message. */
  errmsg?: string;
  /** Error labels, e.g. `['RetryableWriteError']`. */
  errorLabels?: string[];
}

/**
 * A scripted answer: the first script whose command, database, member and predicate match (and
 * that has uses left) answers the request.
 *
 * ### Examples
 * ```ts
 * sim.script({ command: 'dbStats', db: 'app', reply: { db: 'app', collections: 3, ok: 1 } });
 * sim.script({ command: 'dropDatabase', error: { code: 13, codeName: 'Unauthorized', errmsg: 'not authorized' }, times: 1 });
 * ```
 */
export interface MongoScript {
  /** The command name (case-sensitive, as the driver sends it). */
  command: string;
  /** Only in this database. */
  db?: string;
  /** Only on this member (its index in `hosts`). */
  member?: number;
  /** Only when this returns true. */
  match?: (request: ReceivedCommand) => boolean;
  /** The reply document (`ok: 1` is added when missing), or a function making it. Without a reply and an error, the request goes on to the built-in answers after `delayMs`. */
  reply?: Document | ((request: ReceivedCommand) => Document);
  /** Answer with this server error instead. */
  error?: ScriptedError;
  /** Wait this long before answering (to test timeouts and cancellation). */
  delayMs?: number;
  /** How many requests it answers; unlimited when missing. */
  times?: number;
}

/** Options of {@link MongoSimulator.start}. */
export interface MongoSimulatorOptions {
  /** How many replica-set members; 0 (the default) makes a standalone. */
  members?: number;
  /** The replica set's name. Defaults to `rs0`. */
  setName?: string;
  /** The `maxWireVersion` announced. Defaults to 21 (MongoDB 7.0). */
  maxWireVersion?: number;
  /** The version `buildInfo` reports. Defaults to `7.0.12`. */
  version?: string;
}

interface Member {
  server: net.Server;
  port: number;
  host: string;
  sockets: Set<net.Socket>;
}

const HEARTBEATS = new Set(['hello', 'isMaster', 'ismaster']);

/**
 * A running simulated deployment. Stop it with `stop()`.
 *
 * ### Examples
 * ```ts
 * const sim = await MongoSimulator.start({ members: 3 });
 * const client = new MongoClient(sim.url);
 * await client.db('app').command({ ping: 1 });
 * expect(sim.commands('ping')).toHaveLength(1);
 * await client.close();
 * await sim.stop();
 * ```
 */
export class MongoSimulator {
  /** The data. */
  readonly store = new SimStore();
  /** Every command received but the hello heartbeats, in order. */
  readonly received: ReceivedCommand[] = [];
  /** Replica-set state per member host (`127.0.0.1:<port>`); empty for a standalone. */
  readonly memberStates = new Map<string, MemberState>();
  /**
   * The cluster-wide read/write concern set by `setDefaultRWConcern` (empty until then: the
   * server then answers `getDefaultRWConcern` with its implicit default, see replica-set.ts).
   */
  defaultRWConcern: Document = {};
  /** Seconds each member was frozen for by `replSetFreeze`, by host. */
  readonly frozen = new Map<string, number>();
  /** The replica set's current config document (`replSetGetConfig`), undefined for a standalone. */
  replicaSetConfig: Document | undefined;
  /** The options it was started with. */
  readonly options: Required<MongoSimulatorOptions>;
  readonly #members: Member[] = [];
  readonly #scripts: Array<MongoScript & { used: number }> = [];
  #primary = 0;
  #electionId = new ObjectId();
  #requestId = 1;
  #clock = 1;

  private constructor(options: MongoSimulatorOptions) {
    this.options = { members: options.members ?? 0, setName: options.setName ?? 'rs0', maxWireVersion: options.maxWireVersion ?? 21, version: options.version ?? '7.0.12' };
  }

  /**
   * Starts a standalone (default) or a replica set of `members` members on free loopback ports.
   *
   * ### Examples
   * ```ts
   * const rs = await MongoSimulator.start({ members: 3, setName: 'rs0' });
   * ```
   */
  static async start(options: MongoSimulatorOptions = {}): Promise<MongoSimulator> {
    const sim = new MongoSimulator(options);
    const count = Math.max(1, sim.options.members);
    for (let i = 0; i < count; i++) sim.#members.push(await sim.listen());
    if (sim.isReplicaSet) {
      sim.replicaSetConfig = {
        _id: sim.options.setName,
        version: 1,
        term: 1,
        protocolVersion: 1,
        members: sim.#members.map((m, i) => ({ _id: i, host: m.host, arbiterOnly: false, buildIndexes: true, hidden: false, priority: 1, tags: {}, secondaryDelaySecs: 0, votes: 1 })),
        settings: { chainingAllowed: true, heartbeatIntervalMillis: 2000, electionTimeoutMillis: 10000, catchUpTimeoutMillis: -1 },
      };
      for (const host of sim.hosts) sim.memberStates.set(host, { health: 1, lagSeconds: 0 });
    }
    return sim;
  }

  /** Whether this is a replica set (as opposed to a standalone). */
  get isReplicaSet(): boolean {
    return this.options.members > 0;
  }

  /** Every member as `127.0.0.1:<port>`. */
  get hosts(): string[] {
    return this.#members.map((m) => m.host);
  }

  /**
   * The index of the primary in `hosts`; -1 while there is none (an election under way, or the
   * primary stepped down because it no longer sees a majority of the voting members).
   */
  get primaryIndex(): number {
    if (this.#primary < 0 || !this.replicaSetConfig) return this.#primary;
    const voters = ((this.replicaSetConfig.members as Document[] | undefined) ?? []).filter((m) => m.votes === undefined || Number(m.votes) > 0);
    const up = voters.filter((m) => (this.memberStates.get(String(m.host))?.health ?? 1) === 1).length;
    return up > voters.length / 2 ? this.#primary : -1;
  }

  /**
   * Leaves the set without a primary (as during an election) until `setPrimary()`; the driver
   * notices at its next heartbeat.
   *
   * ### Examples
   * ```ts
   * sim.setNoPrimary();
   * ```
   */
  setNoPrimary(): void {
    this.#primary = -1;
  }

  /**
   * A connection URL for the driver: `directConnection=true` for a standalone, the seed list and
   * `replicaSet` for a replica set (with a fast heartbeat so that role changes are seen quickly).
   *
   * ### Examples
   * ```ts
   * const client = new MongoClient(sim.url);
   * ```
   */
  get url(): string {
    if (!this.isReplicaSet) return `mongodb://${this.hosts[0]}/?directConnection=true`;
    return `mongodb://${this.hosts.join(',')}/?replicaSet=${encodeURIComponent(this.options.setName)}&heartbeatFrequencyMS=500`;
  }

  /**
   * Adds a scripted answer (see {@link MongoScript}); returns the simulator for chaining.
   *
   * ### Examples
   * ```ts
   * sim.script({ command: 'profile', reply: { was: 1, slowms: 100, sampleRate: 1 } });
   * ```
   */
  script(script: MongoScript): this {
    this.#scripts.push({ ...script, used: 0 });
    return this;
  }

  /** Removes every script. */
  clearScripts(): void {
    this.#scripts.length = 0;
  }

  /** Forgets what was received. */
  clearReceived(): void {
    this.received.length = 0;
  }

  /**
   * The received commands named `command` (in database `db` when given).
   *
   * ### Examples
   * ```ts
   * expect(sim.commands('insert', 'app_copy').map((c) => c.body.insert)).toEqual(['orders']);
   * ```
   */
  commands(command: string, db?: string): ReceivedCommand[] {
    return this.received.filter((r) => r.command === command && (db === undefined || r.db === db));
  }

  /**
   * Makes member `index` the primary (a new election id, the others secondaries); the driver
   * notices at its next heartbeat.
   *
   * ### Examples
   * ```ts
   * sim.setPrimary(1);
   * ```
   */
  setPrimary(index: number): void {
    if (index < 0 || index >= this.#members.length) throw new Error(`no member ${index}`);
    this.#primary = index;
    this.#electionId = new ObjectId();
    if (this.replicaSetConfig) this.replicaSetConfig.term = Number(this.replicaSetConfig.term ?? 1) + 1;
  }

  /** The major version of `options.version` (7 for `7.0.12`). */
  get majorVersion(): number {
    return Number.parseInt(this.options.version, 10) || 0;
  }

  /** A cluster time that advances on every call. */
  nextClusterTime(): Timestamp {
    this.#clock += 1;
    return new Timestamp({ t: Math.floor(Date.now() / 1000), i: this.#clock });
  }

  /**
   * Stops every member and closes every connection.
   *
   * ### Examples
   * ```ts
   * afterAll(() => sim.stop());
   * ```
   */
  async stop(): Promise<void> {
    await Promise.all(
      this.#members.map(
        (m) =>
          new Promise<void>((resolve) => {
            for (const s of m.sockets) s.destroy();
            m.server.close(() => resolve());
          }),
      ),
    );
  }

  /** The hello document member `index` answers. */
  hello(index: number, legacy: boolean): Document {
    const primary = this.primaryIndex;
    const isPrimary = !this.isReplicaSet || (primary >= 0 && index === primary);
    const doc: Document = {
      helloOk: true,
      isWritablePrimary: isPrimary,
      ismaster: isPrimary,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: this.#requestId,
      minWireVersion: 0,
      maxWireVersion: this.options.maxWireVersion,
      readOnly: false,
      ok: 1,
    };
    if (legacy) delete doc.isWritablePrimary;
    if (this.isReplicaSet) {
      const member = this.#members[index];
      Object.assign(doc, {
        setName: this.options.setName,
        setVersion: Number(this.replicaSetConfig?.version ?? 1),
        hosts: this.hosts,
        me: member?.host,
        secondary: !isPrimary,
        electionId: isPrimary ? this.#electionId : undefined,
        lastWrite: { lastWriteDate: new Date(), opTime: { ts: new Timestamp({ t: Math.floor(Date.now() / 1000), i: 1 }), t: 1 } },
      });
      if (!isPrimary) delete doc.electionId;
      if (primary >= 0) doc.primary = this.hosts[primary];
    }
    return doc;
  }

  private listen(): Promise<Member> {
    const index = this.#members.length;
    return new Promise((resolve, reject) => {
      const sockets = new Set<net.Socket>();
      const server = net.createServer((socket) => this.serve(socket, index, sockets));
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        resolve({ server, port, host: `127.0.0.1:${port}`, sockets });
      });
    });
  }

  private serve(socket: net.Socket, index: number, sockets: Set<net.Socket>): void {
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let queue: Promise<void> = Promise.resolve();
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let split: { frames: Buffer[]; rest: Buffer };
      try {
        split = splitFrames(pending);
      } catch {
        socket.destroy();
        return;
      }
      pending = split.rest;
      for (const frame of split.frames) {
        queue = queue.then(() => this.answer(socket, index, frame)).catch(() => void socket.destroy());
      }
    });
  }

  private async answer(socket: net.Socket, index: number, frame: Buffer): Promise<void> {
    if (this.memberStates.get(this.#members[index]?.host ?? '')?.health === 0) {
      socket.destroy(); // a member marked down answers nothing, as an unreachable host
      return;
    }
    const request = decodeMessage(frame);
    const reply = await this.dispatch(request, index);
    if (request.opCode !== OP_QUERY && request.flags & MORE_TO_COME) return;
    if (socket.destroyed) return;
    const id = this.#requestId++;
    socket.write(request.opCode === OP_QUERY && !(reply instanceof Uint8Array) ? encodeReply(reply, id, request.requestId) : encodeMsg(reply, id, request.requestId));
  }

  private async dispatch(request: WireRequest, index: number): Promise<Document | Buffer> {
    const command = Object.keys(request.body)[0] ?? '';
    const db = request.opCode === OP_QUERY ? (request.collection ?? 'admin.$cmd').split('.')[0]! : String(request.body.$db ?? 'admin');
    if (HEARTBEATS.has(command)) return this.hello(index, request.opCode === OP_QUERY || command !== 'hello');
    const received: ReceivedCommand = { db, command, body: request.body, member: this.#members[index]?.host ?? '', raw: request.rawBody, sequences: request.sequences };
    this.received.push(received);
    try {
      const scripted = this.#scripts.find(
        (s) =>
          s.command === command &&
          (s.db === undefined || s.db === db) &&
          (s.member === undefined || s.member === index) &&
          (s.times === undefined || s.used < s.times) &&
          (!s.match || s.match(received)),
      );
      if (scripted) {
        scripted.used += 1;
        if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs).unref());
        if (scripted.error) throw new SimCommandError(scripted.error.code, scripted.error.codeName ?? 'Error', scripted.error.errmsg ?? 'scripted error', scripted.error.errorLabels);
        if (scripted.reply !== undefined) {
          const doc = typeof scripted.reply === 'function' ? scripted.reply(received) : { ...scripted.reply };
          return 'ok' in doc ? doc : { ...doc, ok: 1 };
        }
      }
      const builtIn = this.builtIn(command, db, request, index);
      if (builtIn) return builtIn;
      throw new SimCommandError(59, 'CommandNotFound', `no such command: '${command}'`);
    } catch (error) {
      if (error instanceof SimCommandError) {
        return { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName, ...(error.labels ? { errorLabels: error.labels } : {}) };
      }
      throw error;
    }
  }

  private builtIn(command: string, db: string, request: WireRequest, index: number): Document | Buffer | undefined {
    switch (command) {
      case 'ping':
      case 'endSessions':
        return { ok: 1 };
      case 'buildInfo':
        return { version: this.options.version, versionArray: this.options.version.split('.').map(Number), gitVersion: 'simulator', ok: 1 };
      default:
        break;
    }
    const rs = replicaSetCommand(this, command, request.body, index);
    if (rs) return rs;
    const isPrimary = !this.isReplicaSet || index === this.primaryIndex;
    const readConcern = request.body.readConcern as Document | undefined;
    let atClusterTime: Timestamp | undefined;
    if (readConcern?.level === 'snapshot') {
      if (!this.isReplicaSet) throw new SimCommandError(72, 'InvalidOptions', 'readConcern level snapshot is only valid in a replica set or sharded cluster');
      const target = this.store.collection(db, String(request.body[command]));
      if (['find', 'aggregate', 'distinct'].includes(command) && target?.options.capped === true && this.majorVersion < 8) {
        throw new SimCommandError(246, 'SnapshotUnavailable', 'Reading from capped collections with readConcern snapshot is not supported');
      }
      atClusterTime = (readConcern.atClusterTime as Timestamp | undefined) ?? this.nextClusterTime();
    }
    const writes = new Set(['insert', 'create', 'createIndexes', 'drop', 'dropDatabase', 'renameCollection']);
    if (writes.has(command) && !isPrimary) throw new SimCommandError(10107, 'NotWritablePrimary', 'not primary');
    return this.store.run(db, command, request.body, request.sequences, { atClusterTime, rawBody: request.rawBody, clusterTime: () => this.nextClusterTime() });
  }
}
