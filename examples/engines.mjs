// Loads the engine package for a URL's scheme (only that one), so that every example works with
// any engine: `await loadEngine(url)` before `DatabaseManager.connect(url)`.
const PACKAGES = { postgres: '@gds/postgres', postgresql: '@gds/postgres', mssql: '@gds/mssql', sqlserver: '@gds/mssql', mongodb: '@gds/mongodb', 'mongodb+srv': '@gds/mongodb', snowflake: '@gds/snowflake' };

export async function loadEngine(url) {
  const scheme = /^([a-z0-9+]+):\/\//i.exec(url ?? '')?.[1]?.toLowerCase();
  const pkg = PACKAGES[scheme];
  if (!pkg) throw new Error(`set GDS_URL to a postgres://, mssql://, mongodb:// or snowflake:// URL (got ${scheme ?? 'nothing'})`);
  return import(pkg);
}

export function requireUrl() {
  const url = process.env.GDS_URL;
  if (!url) {
    console.error('set GDS_URL, e.g. GDS_URL=postgres://postgres@127.0.0.1:5432/postgres');
    process.exit(2);
  }
  return url;
}
