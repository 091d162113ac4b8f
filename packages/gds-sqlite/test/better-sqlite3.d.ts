// The part of better-sqlite3's API the tests use (the package ships no types; src/ describes
// what it uses in sqlite-connection.ts).
declare module 'better-sqlite3' {
  namespace BetterSqlite3 {
    interface Statement {
      run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
      get(...params: unknown[]): unknown;
      all(...params: unknown[]): unknown[];
      pluck(toggle?: boolean): Statement;
      raw(toggle?: boolean): Statement;
    }
    interface Database {
      readonly inTransaction: boolean;
      readonly open: boolean;
      exec(sql: string): Database;
      prepare(sql: string): Statement;
      pragma(source: string, options?: { simple?: boolean }): unknown;
      transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
      backup(destination: string, options?: { progress?: (p: { totalPages: number; remainingPages: number }) => number | undefined }): Promise<{ totalPages: number; remainingPages: number }>;
      close(): Database;
    }
  }
  const BetterSqlite3: new (filename: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => BetterSqlite3.Database;
  export default BetterSqlite3;
}
