// The real servers the MySQL-family suites run against, each labelled for what it is:
// - MariaDB: GDS_TEST_MARIADB_URL, else a throwaway local mariadbd from startMariadb() (the
//   password-protected test account, so a Secret is really checked), else a printed skip;
// - MySQL: GDS_TEST_MYSQL_URL (or a container where Docker runs), else a printed skip: there is
//   no local MySQL on these machines.
import { afterAll, beforeAll, describe } from '@jest/globals';
import { findMariadbBinaries, mariadbMissingReason, startMariadb, type MariadbCluster } from '@gds/testkit';
import { describeWithServer, printSkip } from '@gds/testkit/jest';

/** A running server for a suite. */
export interface TestServer {
  /** A URL with a password-protected account that may do everything. */
  url: string;
  /** 'mariadb' or 'mysql'. */
  flavor: 'mariadb' | 'mysql';
  /** The throwaway cluster, when this process started one. */
  cluster: MariadbCluster | undefined;
}

/** The label of the MariaDB run, honest about where it comes from. */
export function mariadbLabel(): string | undefined {
  if (process.env.GDS_TEST_MARIADB_URL) return 'MariaDB (real server from GDS_TEST_MARIADB_URL)';
  const bin = findMariadbBinaries();
  return bin ? `MariaDB ${bin.major}.${bin.minor}, real server (throwaway local mariadbd ${bin.version})` : undefined;
}

/**
 * Declares `body` once per flavour that has a server here; prints a one-line reason for each that has none.
 */
export function describeWithMysqlServers(title: string, body: (server: () => TestServer) => void): void {
  const label = mariadbLabel();
  if (!label) {
    printSkip(`mariadb real-server suite skipped: no GDS_TEST_MARIADB_URL; ${mariadbMissingReason()}`);
    describe.skip(`${title}: MariaDB (no server: ${mariadbMissingReason()})`, () => body(() => ({ url: '', flavor: 'mariadb', cluster: undefined })));
  } else {
    describe(`${title}: ${label}`, () => {
      let server: TestServer | undefined;
      beforeAll(async () => {
        const url = process.env.GDS_TEST_MARIADB_URL;
        if (url) server = { url, flavor: 'mariadb', cluster: undefined };
        else {
          const cluster = await startMariadb();
          server = { url: cluster.primary.url('', 'test'), flavor: 'mariadb', cluster };
        }
      }, 240_000);
      afterAll(async () => {
        await server?.cluster?.stop();
      }, 60_000);
      body(() => {
        if (!server) throw new Error('MariaDB server not started');
        return server;
      });
    });
  }
  describeWithServer('mysql', `${title}: MySQL (real server)`, (running) => body(() => ({ url: running().url, flavor: 'mysql', cluster: undefined })));
}
