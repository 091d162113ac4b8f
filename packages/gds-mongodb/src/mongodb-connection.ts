/**
 * MongoDBConnection: the connection to one MongoDB deployment (standalone, replica set or
 * mongos), through one `MongoClient` (which pools by itself). It runs commands with the caller's
 * abort signal (the driver cancels the request and discards its socket), tells what kind of
 * deployment it reached, and opens short-lived direct connections to single replica-set members
 * for the operations that must run on one (`replSetFreeze`). `close()` ends every socket.
 *
 * @module
 */
import { MongoClient, type ClientSession, type Db, type Document, type MongoClientOptions, type ReadPreferenceMode } from 'mongodb';
import { ConnectionError, Secret, type DatabaseConnection } from '@gds/database';
import type { Statement } from '@gds/database/engine';
import { parseMongoUrl, resolveConfig, type MongoDBConfig, type MongoDBConfigInput } from './mongodb-config.js';
import { commandParts } from './mongodb-statements.js';

/** Options of {@link MongoDBConnection.command}. */
export interface CommandOptions {
  /** Cancels the command when aborted. */
  signal?: AbortSignal;
  /** Run it in this session. */
  session?: ClientSession;
  /** Where to run it; defaults to the primary. */
  readPreference?: ReadPreferenceMode;
}

/** What kind of deployment the connection reached, from its `hello` reply. */
export interface DeploymentInfo {
  /** `standalone`, `replicaSet` or `sharded` (mongos). */
  kind: 'standalone' | 'replicaSet' | 'sharded';
  /** The replica set's name. */
  setName?: string;
  /** The member answering, for a replica set. */
  me?: string;
  /** The wire version, which tells the server generation (21 = 7.0). */
  maxWireVersion: number;
}

/**
 * A connection to a MongoDB deployment, from a URL or a config object.
 *
 * ### Examples
 * ```ts
 * const conn = new MongoDBConnection('mongodb://127.0.0.1:27017/?directConnection=true');
 * const reply = await conn.command('admin', { ping: 1 });
 * await conn.close();
 * ```
 */
export class MongoDBConnection implements DatabaseConnection {
  /** The engine. */
  readonly type = 'mongodb' as const;
  /** The settings, with defaults filled in; the password is a Secret. */
  readonly config: MongoDBConfig;
  /** `mongodb://host1,host2/?replicaSet=...`, never with credentials. */
  readonly endpoint: string;
  #client: MongoClient | undefined;
  #deployment: Promise<DeploymentInfo> | undefined;
  #closed = false;
  readonly #background = new Set<Promise<void>>();

  /** Makes the connection object; nothing is sent until the first command. */
  constructor(target: string | MongoDBConfigInput) {
    this.config = resolveConfig(typeof target === 'string' ? parseMongoUrl(target) : target);
    this.endpoint = driverUrl(this.config);
  }

  /** The driver's client, made on first use. */
  get client(): MongoClient {
    if (this.#closed) throw new ConnectionError(`The connection to ${this.endpoint} is closed`, { engine: 'mongodb', retryable: false });
    if (!this.#client) this.#client = new MongoClient(driverUrl(this.config), driverOptions(this.config));
    return this.#client;
  }

  /** The driver's handle on database `name` (no round trip). */
  db(name: string): Db {
    return this.client.db(name);
  }

  /**
   * Runs one command document in `database`, cancelling it when `signal` aborts.
   *
   * ### Examples
   * ```ts
   * const stats = await conn.command('app', { dbStats: 1, scale: 1 });
   * ```
   */
  async command(database: string, command: Document, options: CommandOptions = {}): Promise<Document> {
    return this.db(database).command(command, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.session ? { session: options.session } : {}),
      ...(options.readPreference ? { readPreference: options.readPreference } : {}),
    });
  }

  /**
   * Runs a command statement (the object a dry run shows, see mongodb-statements.ts): in its
   * database, or straight on its member (a short-lived direct connection) when it names one.
   *
   * ### Examples
   * ```ts
   * await conn.run(statement('db.getSiblingDB($1).runCommand($2)', ['app', { dbStats: 1 }]));
   * ```
   */
  async run(s: Statement, options: CommandOptions = {}): Promise<Document> {
    const { db, doc, on } = commandParts(s);
    if (on === undefined) return this.command(db, doc, options);
    const member = this.direct(on);
    try {
      return await member.command(db, doc, options);
    } finally {
      await member.close();
    }
  }

  /**
   * The kind of deployment (asked once with `hello`).
   *
   * ### Examples
   * ```ts
   * if ((await conn.deployment()).kind === 'replicaSet') console.log('snapshot reads available');
   * ```
   */
  deployment(signal?: AbortSignal): Promise<DeploymentInfo> {
    if (!this.#deployment) {
      this.#deployment = this.command('admin', { hello: 1 }, { signal }).then((h) => ({
        kind: h.msg === 'isdbgrid' ? 'sharded' : typeof h.setName === 'string' ? 'replicaSet' : 'standalone',
        setName: typeof h.setName === 'string' ? h.setName : undefined,
        me: typeof h.me === 'string' ? h.me : undefined,
        maxWireVersion: Number(h.maxWireVersion ?? 0),
      }));
      this.#deployment.catch(() => (this.#deployment = undefined));
    }
    return this.#deployment;
  }

  /**
   * Opens a separate connection straight to one member (`host:port`) with the same credentials
   * and TLS settings; close it when done.
   *
   * ### Examples
   * ```ts
   * const member = conn.direct('db2:27017');
   * try { await member.command('admin', { replSetFreeze: 120 }); } finally { await member.close(); }
   * ```
   */
  direct(host: string): MongoDBConnection {
    const c = this.config;
    return new MongoDBConnection({
      hosts: [host],
      directConnection: true,
      ...(c.user ? { user: c.user } : {}),
      // a Secret of its own: closing this short-lived connection must not make redact() forget the value
      ...(c.password ? { password: new Secret(c.password.reveal()) } : {}),
      ...(c.authSource ? { authSource: c.authSource } : {}),
      ...(c.authMechanism ? { authMechanism: c.authMechanism as never } : {}),
      ...(c.tls !== undefined ? { tls: c.tls } : {}),
      ...(c.tlsCAFile ? { tlsCAFile: c.tlsCAFile } : {}),
      ...(c.tlsCertificateKeyFile ? { tlsCertificateKeyFile: c.tlsCertificateKeyFile } : {}),
      ...(c.tlsAllowInvalidCertificates !== undefined ? { tlsAllowInvalidCertificates: c.tlsAllowInvalidCertificates } : {}),
      appName: c.appName,
      connectTimeoutMs: c.connectTimeoutMs,
      serverSelectionTimeoutMs: c.serverSelectionTimeoutMs,
    });
  }

  /**
   * Runs `task` after the current operation has returned (a restore's drop of the collections it
   * replaced, once it is committed); `close()` and {@link settled} wait for it. A failure goes to
   * `onError`.
   *
   * ### Examples
   * ```ts
   * conn.defer(() => conn.command('app', { drop: 'gds_replaced_0' }), (e) => console.warn(e));
   * ```
   */
  defer(task: () => Promise<unknown>, onError: (error: unknown) => void): void {
    const p: Promise<void> = Promise.resolve()
      .then(task)
      .then(
        () => undefined,
        (e: unknown) => {
          try {
            onError(e);
          } catch {
            // a callback that throws must not break anything
          }
        },
      )
      .finally(() => this.#background.delete(p));
    this.#background.add(p);
  }

  /**
   * Waits for the work {@link defer} started.
   *
   * ### Examples
   * ```ts
   * await conn.settled();
   * ```
   */
  async settled(): Promise<void> {
    while (this.#background.size) await Promise.allSettled([...this.#background]);
  }

  /**
   * Closes every socket of the client, after the deferred work is done. Safe to call twice. The password stays known to
   * `redact()` only while some connection still holds it.
   *
   * ### Examples
   * ```ts
   * await conn.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.settled();
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    await client?.close(true);
    this.config.password?.forget();
  }
}

/**
 * The URL the driver gets: hosts and options, never credentials (those go in `auth`).
 *
 * ### Examples
 * ```ts
 * driverUrl(resolveConfig({ hosts: ['a:1', 'b:2'], replicaSet: 'rs0' })); // 'mongodb://a:1,b:2/?replicaSet=rs0'
 * ```
 */
export function driverUrl(c: MongoDBConfig): string {
  const query = new URLSearchParams();
  if (c.replicaSet) query.set('replicaSet', c.replicaSet);
  if (c.directConnection !== undefined) query.set('directConnection', String(c.directConnection));
  if (c.tls !== undefined) query.set('tls', String(c.tls));
  if (c.authSource) query.set('authSource', c.authSource);
  if (c.authMechanism) query.set('authMechanism', c.authMechanism);
  for (const [k, v] of Object.entries(c.options)) query.set(k, v);
  const q = query.toString();
  return `${c.srv ? 'mongodb+srv' : 'mongodb'}://${c.hosts.join(',')}/${q ? `?${q}` : ''}`;
}

/**
 * The driver options for a config: credentials, TLS files and timeouts.
 *
 * ### Examples
 * ```ts
 * new MongoClient(driverUrl(config), driverOptions(config));
 * ```
 */
export function driverOptions(c: MongoDBConfig): MongoClientOptions {
  const options: MongoClientOptions = {
    appName: c.appName,
    connectTimeoutMS: c.connectTimeoutMs,
    serverSelectionTimeoutMS: c.serverSelectionTimeoutMs,
    socketTimeoutMS: c.socketTimeoutMs,
    maxPoolSize: c.maxPoolSize,
  };
  if (c.user) options.auth = { username: c.user, ...(c.password ? { password: c.password.reveal() } : {}) };
  if (c.tlsCAFile) options.tlsCAFile = c.tlsCAFile;
  if (c.tlsCertificateKeyFile) options.tlsCertificateKeyFile = c.tlsCertificateKeyFile;
  if (c.tlsAllowInvalidCertificates !== undefined) options.tlsAllowInvalidCertificates = c.tlsAllowInvalidCertificates;
  return options;
}
