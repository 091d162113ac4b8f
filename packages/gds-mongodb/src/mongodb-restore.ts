/**
 * Restore and verification of a mongodump dump: a folder (gds's or mongodump's own, a root or a
 * database folder) or a `mongodump --archive` file, plain or gzipped (see mongodb-dump-source.ts).
 *
 * Restore never leaves the database half-changed:
 * 1. the whole source is read first (every document's framing and decoding, the counts against
 *    gds's manifest): an empty, foreign, truncated or damaged source is refused before anything
 *    is sent;
 * 2. every collection is checked: an existing collection holding documents is refused unless
 *    `drop` (replace each restored collection, as mongorestore --drop) or `replace` (the database
 *    ends up holding exactly the dump);
 * 3. every collection is loaded under a temporary name in the target database (`gds_restore_<n>`,
 *    dot-free: FerretDB's renameCollection refuses dotted names): created with its dumped options, its documents inserted as the dump's
 *    BSON bytes, byte for byte (mongodb-raw-insert.ts), its indexes built after the data (`v`
 *    removed and `ignoreUnknownIndexOptions`, as mongorestore);
 * 4. only then are names swapped (same-database renameCollection, metadata only): each collection
 *    being replaced is renamed aside (`gds_replaced_<n>`), each loaded one renamed into place,
 *    time-series collections and views created in place; a failure or a cancellation up to the
 *    end of this step renames everything back and drops what was placed. Then (committed, no
 *    longer cancellable) the replaced collections are dropped, right after the operation has
 *    returned (`close()` and the next restore wait for those drops), so that a cancellation is
 *    never reported for a restore that went through.
 * A failure or cancellation before the swap drops the temporary collections: the database is as
 * it was, and a database that did not exist before does not exist after.
 *
 * Limits, said in the result: views are created last under their final names (a replaced view is
 * dropped during the swap and recreated if the swap is undone); time-series collections cannot be
 * renamed (a server rule), so they are restored straight into place after the swap, and with
 * `drop`/`replace` an existing one is dropped first; the UUIDs of the dump are not kept (as
 * mongorestore without --preserveUUID); users, roles and a root oplog.bson are not restored.
 * MongoDB has no sessions of a database (connections are not bound to one), so there is nothing
 * for `force` to end.
 *
 * Verify: the same first step, as its own operation (a bad backup rejects with ValidationError).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError, type BackupVerification } from '@gds/database';
import type { OperationContext, OperationOutcome, Statement } from '@gds/database/engine';
import type { Document } from 'mongodb';
import { readCollections } from './mongodb-backup.js';
import type { MongoDBConnection } from './mongodb-connection.js';
import { openDump, verifySource, type DumpEntry } from './mongodb-dump-source.js';
import type { MongoDBRestoreOptions } from './mongodb-options.js';
import { validateCollectionName } from './mongodb-quote.js';
import { insertRaw, rawInsertCommand } from './mongodb-raw-insert.js';
import { createCollection, createIndexes, describeCommand, dropCollection, dropDatabase, listDatabases, renameCollectionCommand, runCommand } from './mongodb-statements.js';

/** Most bytes one insert carries. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** The prefix of the collections a restore loads before swapping them in. */
export const RESTORE_PREFIX = 'gds_restore_';
/** The prefix of the collections a restore moves aside while swapping. */
export const REPLACED_PREFIX = 'gds_replaced_';

/**
 * Maps a dumped collection name through `nsFrom`/`nsTo` (exact names, or patterns with one `*`).
 *
 * ### Examples
 * ```ts
 * renameCollection('orders_2024', ['orders_*'], ['archive_*']); // 'archive_2024'
 * ```
 */
export function renameCollection(name: string, from: readonly string[], to: readonly string[]): string {
  for (let i = 0; i < from.length; i++) {
    const pattern = from[i]!;
    const replacement = to[i]!;
    const star = pattern.indexOf('*');
    if (star < 0) {
      if (name === pattern) return replacement;
      continue;
    }
    const head = pattern.slice(0, star);
    const tail = pattern.slice(star + 1);
    if (name.length >= head.length + tail.length && name.startsWith(head) && name.endsWith(tail)) {
      return replacement.replace('*', name.slice(head.length, name.length - tail.length));
    }
  }
  return name;
}

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * The options to create a collection with, from the dump: fields a server reports but refuses
 * back are dropped (`clusteredIndex.v`; a time-series `bucketMaxSpanSeconds` next to
 * `granularity`, which 6.3+ refuse together).
 *
 * ### Examples
 * ```ts
 * creationOptions({ timeseries: { timeField: 't', granularity: 'seconds', bucketMaxSpanSeconds: 3600 } });
 * // { timeseries: { timeField: 't', granularity: 'seconds' } }
 * ```
 */
export function creationOptions(options: Document): Document {
  const out: Document = { ...options };
  if (out.clusteredIndex && typeof out.clusteredIndex === 'object') {
    const { v: _v, ...rest } = out.clusteredIndex as Document;
    out.clusteredIndex = rest;
  }
  if (out.timeseries && typeof out.timeseries === 'object') {
    const ts = { ...(out.timeseries as Document) };
    if (ts.granularity !== undefined) delete ts.bucketMaxSpanSeconds;
    out.timeseries = ts;
  }
  return out;
}

function orderViews(views: DumpEntry[]): DumpEntry[] {
  const out: DumpEntry[] = [];
  const pending = new Map(views.map((v) => [v.name, v]));
  const visit = (v: DumpEntry, depth: number) => {
    if (!pending.has(v.name) || depth > views.length) return;
    const on = v.metadata.options.viewOn;
    const source = typeof on === 'string' ? pending.get(on) : undefined;
    if (source && source !== v) visit(source, depth + 1);
    if (pending.delete(v.name)) out.push(v);
  };
  for (const v of views) visit(v, 0);
  return out;
}

interface PlannedCollection {
  entry: DumpEntry;
  target: string;
  temp: string;
}

function checkOptions(options: MongoDBRestoreOptions): { from: string[]; to: string[] } {
  const from = asList(options.nsFrom);
  const to = asList(options.nsTo);
  const issues = [];
  if (from.length !== to.length) issues.push({ path: '/nsTo', message: 'nsFrom and nsTo must have as many entries' });
  for (let i = 0; i < from.length; i++) if (from[i]!.split('*').length > 2 || from[i]!.includes('*') !== (to[i] ?? '').includes('*')) issues.push({ path: '/nsFrom', message: `'${from[i]}' and '${to[i] ?? ''}': use one * in both, or none` });
  if (options.drop && options.replace) issues.push({ path: '/drop', message: 'drop and replace exclude each other (replace drops the whole database)' });
  if (issues.length) throw new ValidationError('Invalid options for restore', issues, { engine: 'mongodb', operation: 'restore' });
  return { from, to };
}

/**
 * Restores `database` from the dump at `source` (see the module comment).
 *
 * ### Examples
 * ```ts
 * await restoreDatabase(ctx, conn, 'app_copy', '/backups/app', { drop: true });
 * ```
 */
export async function restoreDatabase(ctx: OperationContext, conn: MongoDBConnection, database: string, source: string, options: MongoDBRestoreOptions): Promise<OperationOutcome> {
  const { from, to } = checkOptions(options);
  const dump = await openDump(source, options.sourceDatabase);
  const wanted = options.collections ? new Set(options.collections) : undefined;
  if (wanted) {
    const missing = [...wanted].filter((n) => !dump.entries.some((e) => e.name === n));
    if (missing.length) throw new ValidationError('Invalid options for restore', [{ path: '/collections', message: `not in the dump: ${missing.join(', ')}` }], { engine: 'mongodb', operation: 'restore' });
  }
  const chosen = dump.entries.filter((e) => !wanted || wanted.has(e.name));
  for (const e of chosen) validateCollectionName(database, renameCollection(e.name, from, to), e.name === 'system.js');

  const check = await verifySource(ctx, dump);
  if (check.problems.length) {
    throw new ValidationError('Invalid backup source', check.problems.map((message) => ({ path: '/source', message })), { engine: 'mongodb', operation: 'restore', hint: 'nothing was changed: the source is damaged or incomplete; take a new backup' });
  }
  for (const line of dump.skipped) ctx.message(`not restored: ${line}`);

  await conn.settled(); // the drops of an earlier restore's replaced collections
  const existing = new Map((await readCollections(conn, database, ctx.signal)).map((c) => [c.name, c]));
  const leftovers = [...existing.keys()].filter((n) => n.startsWith(RESTORE_PREFIX) || n.startsWith(REPLACED_PREFIX));
  if (leftovers.length) {
    throw new ValidationError(`Refusing to restore into '${database}': it holds collections of another restore`, [{ path: '', message: `${leftovers.join(', ')} exist: a restore into ${database} is under way or was interrupted` }], {
      engine: 'mongodb',
      operation: 'restore',
      hint: `when no restore is running, drop them (a ${REPLACED_PREFIX}* collection holds data that was being replaced: look before dropping)`,
    });
  }
  const db = conn.db(database);
  const tables = chosen.filter((e) => e.metadata.type !== 'view');
  const plan: PlannedCollection[] = tables.filter((e) => e.metadata.type === 'collection').map((entry, i) => ({ entry, target: renameCollection(entry.name, from, to), temp: `${RESTORE_PREFIX}${i}` }));
  const timeseries = tables.filter((e) => e.metadata.type === 'timeseries').map((entry) => ({ entry, target: renameCollection(entry.name, from, to) }));
  const views = orderViews(chosen.filter((e) => e.metadata.type === 'view')).map((entry) => ({ entry, target: renameCollection(entry.name, from, to) }));
  const targets = new Set([...plan, ...timeseries, ...views].map((p) => p.target));

  if (!options.replace) {
    const full: string[] = [];
    for (const name of targets) {
      const e = existing.get(name);
      if (!e) continue;
      const count = e.type === 'view' ? 1 : await db.collection(e.type === 'timeseries' ? `system.buckets.${name}` : name).estimatedDocumentCount({ signal: ctx.signal } as never);
      if (count > 0 || views.some((v) => v.target === name)) full.push(name);
    }
    if (full.length && !options.drop) {
      throw new ValidationError(`Refusing to restore into '${database}': ${full.length} collection(s) already hold data`, [
        { path: '/drop', message: `${full.join(', ')} exist with data; pass drop: true to replace each of them, or replace: true to make the database hold exactly the dump` },
      ], { engine: 'mongodb', operation: 'restore' });
    }
  }
  const aside = [...existing.values()].filter((c) => (options.replace ? !c.name.startsWith('system.') : targets.has(c.name)));

  const build = await conn.command('admin', { buildInfo: 1 }, { signal: ctx.signal }).catch(() => undefined);
  const major = Number.parseInt(String(build?.version ?? '7'), 10) || 7;
  // Writes are not cancelled half-way: a command the driver gives up on may still run on the
  // server after the clean-up. A cancellation is seen before each command (ctx.step) instead.
  const run = (s: Statement) => ctx.step(s, (st) => conn.run(st));
  const rename = (fromName: string, toName: string) => run(renameCollectionCommand(database, fromName, toName));
  const created: string[] = [];
  let documents: number;

  // 3. load under temporary names
  try {
    for (const p of plan) {
      await run(createCollection(database, p.temp, creationOptions(p.entry.metadata.options)));
      created.push(p.temp);
    }
    documents = await loadDocuments(ctx, conn, database, dump, plan, options, major);
    if (!options.noIndexRestore) {
      for (const p of plan) {
        const indexes = p.entry.metadata.indexes.filter((i) => i.name !== '_id_');
        if (indexes.length) await run(createIndexes(database, p.temp, indexes));
      }
    }
    ctx.throwIfAborted();
  } catch (error) {
    await dropQuietly(ctx, conn, database, created);
    if (existing.size === 0) await dropIfOnlyOurs(ctx, conn, database);
    throw error;
  }

  // 4. swap names, then time-series collections and views into place; undone on failure or cancellation
  const moved: Array<{ from: string; to: string }> = [];
  const droppedViews: Array<{ name: string; options: Document }> = [];
  const placed: string[] = [];
  try {
    let n = 0;
    for (const c of aside) {
      if (c.type === 'view') {
        await run(dropCollection(database, c.name));
        droppedViews.push({ name: c.name, options: c.options });
      } else if (c.type === 'collection') {
        const away = `${REPLACED_PREFIX}${n++}`;
        await rename(c.name, away);
        moved.push({ from: c.name, to: away });
      }
    }
    for (const p of plan) {
      await rename(p.temp, p.target);
      moved.push({ from: p.temp, to: p.target });
    }
    for (const t of timeseries) {
      if (aside.some((c) => c.name === t.target && c.type === 'timeseries')) {
        ctx.message(`${t.target}: an existing time-series collection cannot be renamed aside (a server rule): it is dropped now, and lost if the restore fails from here`);
        await run(dropCollection(database, t.target));
      }
      await run(createCollection(database, t.target, creationOptions(t.entry.metadata.options)));
      placed.push(t.target);
      documents += await loadDocuments(ctx, conn, database, dump, [{ entry: t.entry, target: t.target, temp: `system.buckets.${t.target}` }], options, major);
      const indexes = t.entry.metadata.indexes.filter((i) => i.name !== '_id_');
      if (indexes.length && !options.noIndexRestore) await run(createIndexes(database, t.target, indexes));
    }
    for (const v of views) {
      const o = { ...v.entry.metadata.options };
      if (typeof o.viewOn === 'string') o.viewOn = renameCollection(o.viewOn, from, to);
      await run(createCollection(database, v.target, o));
      placed.push(v.target);
    }
    ctx.progress({ percent: 100 });
    ctx.throwIfAborted(); // the last point where a cancellation undoes the restore
  } catch (error) {
    if (!ctx.dryRun) {
      await dropQuietly(ctx, conn, database, [...placed].reverse());
      await undoSwap(ctx, conn, database, moved, droppedViews);
      await dropQuietly(ctx, conn, database, created); // every loaded collection is back under its temporary name
      if (existing.size === 0) await dropIfOnlyOurs(ctx, conn, database);
    }
    throw error;
  }
  // 5. committed. The replaced collections are dropped once this operation has returned (the
  // connection's close() and the next restore wait for it): nothing is awaited after the last
  // cancellation point, so a cancellation can never be reported for a restore that went through.
  const replaced = moved.filter((m) => m.to.startsWith(REPLACED_PREFIX)).map((m) => dropCollection(database, m.to));
  for (const drop of replaced) ctx.record(describeCommand(drop));
  if (!ctx.dryRun && replaced.length) {
    conn.defer(
      () => Promise.all(replaced.map((drop) => conn.run(drop))),
      () => undefined, // left behind: the next restore into this database names them and says what to do
    );
  }
  const notes = [
    ...(options.replace && aside.length ? [`replaced ${aside.length} existing collection(s)/view(s)`] : []),
    ...(timeseries.length ? [`${timeseries.length} time-series collection(s) restored in place (they cannot be renamed)`] : []),
    ...(dump.skipped.length ? [`not restored: ${dump.skipped.length} item(s) (users, roles or the oplog; see the messages)`] : []),
  ];
  const what = `${plan.length + timeseries.length} collection(s) and ${views.length} view(s)`;
  const from_ = dump.kind === 'archive' ? `the archive ${dump.location}` : dump.dir;
  if (ctx.dryRun) return { message: `would restore ${what}, ${check.total} document(s) (source verified), into ${database} from ${from_}` };
  return { message: `restored ${what}, ${documents} document(s), into ${database} from ${from_}${notes.length ? `; ${notes.join('; ')}` : ''}` };
}

async function loadDocuments(ctx: OperationContext, conn: MongoDBConnection, database: string, dump: Awaited<ReturnType<typeof openDump>>, plan: PlannedCollection[], options: MongoDBRestoreOptions, major: number): Promise<number> {
  const into = new Map(plan.map((p) => [p.entry.name, p]));
  for (const p of plan) if (p.entry.dataFile) ctx.record(describeCommand(runCommand(database, rawInsertCommand(p.temp, 0, { bypassDocumentValidation: options.bypassDocumentValidation }))).replace('"<0 raw BSON document(s)>"', `<documents of ${p.entry.dataFile}, raw BSON>`));
  if (ctx.dryRun) return 0;
  const batches = new Map<string, { docs: Buffer[]; bytes: number }>();
  const limit = options.batchSize ?? 1000;
  let inserted = 0;
  let bytesRead = 0;
  const flush = async (name: string) => {
    const batch = batches.get(name);
    if (!batch?.docs.length) return;
    ctx.throwIfAborted();
    const p = into.get(name)!;
    inserted += await insertRaw(conn, database, p.temp, batch.docs, { bypassDocumentValidation: options.bypassDocumentValidation === true, emptyTimestampBypass: major >= 5 });
    bytesRead += batch.bytes;
    batches.set(name, { docs: [], bytes: 0 });
    ctx.progress({ bytes: bytesRead });
  };
  for await (const { name, raw } of dump.documents()) {
    if (!into.has(name)) continue;
    const batch = batches.get(name) ?? { docs: [], bytes: 0 };
    batch.docs.push(raw);
    batch.bytes += raw.length;
    batches.set(name, batch);
    if (batch.docs.length >= limit || batch.bytes >= MAX_BATCH_BYTES) await flush(name);
  }
  for (const name of batches.keys()) await flush(name);
  for (const p of plan) if (p.entry.dataFile) ctx.message(`loaded ${database}.${p.target}${p.temp !== p.target && !p.temp.startsWith('system.') ? ` (as ${p.temp})` : ''}`);
  return inserted;
}

/**
 * Drops what a failed restore created. A cancelled insert may still run on the server after the
 * driver gave up on it (and an insert creates its collection), so the listing is checked again
 * a few times and what reappeared is dropped again.
 */
async function dropQuietly(ctx: OperationContext, conn: MongoDBConnection, database: string, names: string[]): Promise<void> {
  let left = [...names];
  for (let round = 0; round < 6 && left.length; round++) {
    if (round > 0) await sleep(40 * round);
    for (const name of left) {
      await conn.run(dropCollection(database, name)).catch((e: unknown) => {
        if ((e as { code?: unknown }).code !== 26 && round === 5) ctx.message(`could not drop ${database}.${name} after the failure: ${(e as Error).message}; drop it by hand`);
      });
    }
    await sleep(20);
    const now = new Set((await conn.command(database, { listCollections: 1, nameOnly: true }).catch(() => undefined))?.cursor?.firstBatch?.map((c: Document) => String(c.name)) ?? []);
    left = left.filter((n) => now.has(n));
  }
}

/**
 * After a failed restore into a database that did not exist: drops the database when nothing
 * but restore temporaries (or nothing) is left in it. MongoDB forgets a database with no
 * collection by itself; FerretDB keeps it, empty.
 */
async function dropIfOnlyOurs(ctx: OperationContext, conn: MongoDBConnection, database: string): Promise<void> {
  const reply = await conn.command(database, { listCollections: 1, nameOnly: true }).catch(() => undefined);
  const names = ((reply?.cursor as Document | undefined)?.firstBatch as Document[] | undefined)?.map((c) => String(c.name));
  if (!names || names.some((n) => !n.startsWith(RESTORE_PREFIX))) return;
  const listed = await conn.run(listDatabases(database, true)).catch(() => undefined);
  if (!((listed?.databases as Document[] | undefined) ?? []).length) return;
  await conn.run(dropDatabase(database)).catch((e: unknown) => ctx.message(`could not drop the database ${database} this restore created: ${(e as Error).message}; drop it by hand`));
}

async function undoSwap(ctx: OperationContext, conn: MongoDBConnection, database: string, moved: Array<{ from: string; to: string }>, views: Array<{ name: string; options: Document }>): Promise<void> {
  for (const m of [...moved].reverse()) {
    await conn.run(renameCollectionCommand(database, m.to, m.from)).catch((e: unknown) => ctx.message(`could not rename ${database}.${m.to} back to ${m.from}: ${(e as Error).message}; do it by hand`));
  }
  for (const v of views) await conn.run(createCollection(database, v.name, v.options)).catch((e: unknown) => ctx.message(`could not recreate the view ${database}.${v.name}: ${(e as Error).message}`));
}

/**
 * Verifies the dump at `source` (see the module comment).
 *
 * ### Examples
 * ```ts
 * const { data } = await verifyDump(ctx, '/backups/app');
 * console.log(data?.entries); // documents
 * ```
 */
export async function verifyDump(ctx: OperationContext, source: string): Promise<OperationOutcome<BackupVerification>> {
  const dump = await openDump(source);
  const check = await verifySource(ctx, dump);
  if (check.problems.length) {
    throw new ValidationError('Invalid backup', check.problems.map((message) => ({ path: '/source', message })), { engine: 'mongodb', operation: 'verifyBackup', hint: 'take a new backup: this one is damaged or incomplete' });
  }
  const where = dump.kind === 'archive' ? dump.location : dump.dir;
  return {
    message: `${where}: ${dump.entries.length} collection(s), ${check.total} document(s), every document read${dump.manifest ? ', counts match the manifest' : ''}${dump.skipped.length ? `; a restore leaves out: ${dump.skipped.join('; ')}` : ''}`,
    data: { source: where, valid: true, entries: check.total, details: { database: dump.database, format: dump.kind, collections: check.counts, manifest: dump.manifest !== undefined, pointInTime: dump.manifest?.pointInTime, skipped: dump.skipped } },
  };
}
