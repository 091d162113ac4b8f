/**
 * The examples each command's `--help` shows (keyed by the command path after `gds`). Data only:
 * `--help` loads it with commander and nothing else.
 *
 * @module
 */

/** Examples by command path (`ha status`, `postgres vacuum`). */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  ls: ['gds ls --url postgres://postgres@db1:5432/postgres', 'GDS_URL=postgres://postgres@db1/postgres gds ls --format csv > dbs.csv', 'gds ls --system --json'],
  info: ['gds info app', 'gds info app --format tsv'],
  create: ['gds create app --opt owner=app --opt template=template0', 'gds create app --if-not-exists', 'gds postgres options create   # the --opt keys, types and defaults'],
  drop: ['gds drop app          # asks you to type the name', 'gds drop app --force --yes'],
  state: ['gds state app', 'gds state app offline --force'],
  backup: ['gds backup app /backups/app.dump', 'gds backup app /backups/app --opt format=directory --opt jobs=4', 'gds postgres options backup'],
  restore: ['gds restore app_copy /backups/app.dump', 'gds restore app /backups/app.dump --replace'],
  verify: ['gds verify /backups/app.dump --db app'],
  schemas: ['gds schemas app --system'],
  tables: ['gds tables app --schema public --format tsv | cut -f2'],
  'ha status': ['gds ha status --url postgres://postgres@primary/postgres', 'gds ha status --json'],
  'ha lag': ['gds ha lag'],
  'ha watch': ['gds ha watch --interval 2'],
  'ha failover': ['gds ha failover --target postgres://postgres@standby:5432/postgres'],
  'postgres vacuum': ['gds postgres vacuum app --verbose', 'gds postgres vacuum app --table public.orders --full'],
  'postgres options': ['gds postgres options', 'gds postgres options backup'],
  'mssql options': ['gds mssql options restore'],
  'mongodb options': ['gds mongodb options backup'],
  'snowflake options': ['gds snowflake options clone'],
});
