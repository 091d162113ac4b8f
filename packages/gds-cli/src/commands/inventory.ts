/**
 * Read-only commands: `ls`, `info`, `schemas`, `tables`.
 *
 * @module
 */
import type { CliContext } from '../context.js';
import { bytesCell, printJson, printRecord, printTable, stateCell } from '../output.js';

/**
 * `gds ls`: every database with its metadata, fetched in one listing.
 *
 * ### Examples
 * ```ts
 * await listCommand(ctx, { system: false });
 * ```
 */
export async function listCommand(ctx: CliContext, options: { system?: boolean }): Promise<void> {
  const manager = await ctx.manager();
  const core = await ctx.core();
  const dbs = await manager.listDatabases({ withMetadata: true, includeSystem: Boolean(options.system), ...ctx.readOptions() });
  const metas = await Promise.all(dbs.map((d) => d.metadata()));
  if (ctx.output.json) {
    printJson(ctx.output, { ok: true, databases: metas.map((m) => core.metadataToJSON(m)) });
    return;
  }
  printTable(
    ctx.output,
    ['name', 'size', 'owner', 'state', 'access'],
    metas.map((m) => [m.name, bytesCell(m.sizeBytes), m.owner, stateCell(m.state), m.accessMode]),
  );
}

/**
 * `gds info <db>`: one database's metadata.
 *
 * ### Examples
 * ```ts
 * await infoCommand(ctx, 'app');
 * ```
 */
export async function infoCommand(ctx: CliContext, name: string): Promise<void> {
  const manager = await ctx.manager();
  const core = await ctx.core();
  const meta = await manager.getDatabase(name).getMetadata(ctx.readOptions());
  if (ctx.output.json) {
    printJson(ctx.output, { ok: true, database: core.metadataToJSON(meta) });
    return;
  }
  const { additionalAttributes, ...rest } = meta;
  printRecord(ctx.output, { ...rest, state: stateCell(meta.state), sizeBytes: meta.sizeBytes === undefined ? undefined : bytesCell(meta.sizeBytes), ...additionalAttributes });
}

/**
 * `gds schemas <db>`.
 *
 * ### Examples
 * ```ts
 * await schemasCommand(ctx, 'app', { system: true });
 * ```
 */
export async function schemasCommand(ctx: CliContext, name: string, options: { system?: boolean }): Promise<void> {
  const manager = await ctx.manager();
  const schemas = await manager.getDatabase(name).listSchemas({ includeSystem: Boolean(options.system), ...ctx.readOptions() });
  if (ctx.output.json) printJson(ctx.output, { ok: true, database: name, schemas });
  else printTable(ctx.output, ['schema'], schemas.map((s) => [s]));
}

/**
 * `gds tables <db> [--schema s]`.
 *
 * ### Examples
 * ```ts
 * await tablesCommand(ctx, 'app', { schema: 'public' });
 * ```
 */
export async function tablesCommand(ctx: CliContext, name: string, options: { schema?: string }): Promise<void> {
  const manager = await ctx.manager();
  const tables = await manager.getDatabase(name).listTables(options.schema, ctx.readOptions());
  if (ctx.output.json) printJson(ctx.output, { ok: true, database: name, tables });
  else printTable(ctx.output, ['schema', 'name', 'kind'], tables.map((t) => [t.schema, t.name, t.kind]));
}
