import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_COMMANDS, DumpRefusal, DumpScanner, SANDBOX_LINE, type DumpScan } from './mysql-dump-scan.js';
import { COMPLETION_LINE } from './mysql-verify.js';

const evidence = JSON.parse(readFileSync(join(__dirname, '../test/evidence/mysql-client-commands.json'), 'utf8')) as { commands: string[]; shortForms: string[] };
const format = JSON.parse(readFileSync(join(__dirname, '../test/evidence/mysqldump-format.json'), 'utf8')) as { completionLine: string; samples: { completed: string[]; notCompleted: string[] } };

/** The start and end of a dump as mariadb-dump 10.11.19 wrote it here. */
const HEAD = `${SANDBOX_LINE} \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n-- Host: 127.0.0.1    Database: app\n-- ------------------------------------------------------\n-- Server version\t10.11.19-MariaDB-0+deb12u1-log\n\n/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n/*!40101 SET NAMES utf8mb4 */;\n/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n`;
const TAIL = `/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n\n-- Dump completed on 2026-12-02  0:53:48\n`;
const ROUTINE = `DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`%\`*/ /*!50003 TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN\n  SET NEW.v = CONCAT(NEW.v, ';', 'x');\nEND */;;\nDELIMITER ;\n`;

function scan(text: string | Buffer, chunk?: number): DumpScan {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const s = new DumpScanner();
  const size = chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += Math.max(1, size)) s.push(bytes.subarray(i, i + size));
  return s.end();
}
const refused = (text: string): string => {
  try {
    scan(text);
  } catch (error) {
    if (error instanceof DumpRefusal) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${text}`);
};
const body = (sql: string) => HEAD + sql + TAIL;

describe('DumpScanner (reads a dump as the mysql client does)', () => {
  it('accepts a dump as mariadb-dump writes it, with data that looks like commands inside strings and comments', () => {
    const sql = [
      'DROP TABLE IF EXISTS `t`;',
      'CREATE TABLE `t` (`id` int NOT NULL, `v` text, PRIMARY KEY (`id`)) ENGINE=InnoDB;',
      "INSERT INTO `t` VALUES (1,'system touch /tmp/x'),(2,'\\\\! rm -rf / \\' ; \\\\. /etc/passwd'),(3,NULL),(4,\\N),(5,'a\\nb');",
      '-- \\! a comment is not read',
      '# \\! nor is this one',
      '/* \\! nor this\n   \\. over two lines */',
      ROUTINE,
    ].join('\n');
    const found = scan(body(sql));
    expect(found.sandboxLine).toBe(true);
    expect(found.header).toMatch(/^-- MariaDB dump/);
    expect(found.lastLine).toBe('-- Dump completed on 2026-12-02  0:53:48');
    expect(found.tables).toBe(1);
    expect(found.inserts).toBe(1);
  });

  it('reads the same whatever the chunk boundaries', () => {
    const text = body(`CREATE TABLE t (v text);\nINSERT INTO t VALUES ('x;\\'y'),('--');\n${ROUTINE}`);
    const whole = scan(text);
    for (const size of [1, 2, 3, 7, 64]) expect(scan(text, size)).toEqual(whole);
  });

  it.each(evidence.commands.filter((c) => c !== 'delimiter'))('refuses the client command %s at the start of a statement, on its own line and after a statement', (command) => {
    expect(refused(body(`${command} touch /tmp/x\n`))).toMatch(/client command/);
    expect(refused(body(`${command.toUpperCase()} x;\n`))).toMatch(/client command/);
    expect(refused(body(`SELECT 1; ${command} x;\n`))).toMatch(/client command/);
    expect(refused(body(`/* hidden */ ${command} x;\n`))).toMatch(/client command/);
  });

  it.each(evidence.shortForms)('refuses the short command \\%s outside strings, also inside /*! */ comments', (c) => {
    expect(refused(body(`SELECT 1 \\${c} x;\n`))).toMatch(/client command/);
    expect(refused(body(`/*!50000 SELECT 1 \\${c} */;\n`))).toMatch(/client command/);
  });

  it('knows every command of the evidence (and no fewer)', () => {
    expect([...CLIENT_COMMANDS].sort()).toEqual([...evidence.commands].sort());
  });

  it('follows DELIMITER: a command after the delimiter changed is still seen', () => {
    expect(refused(body('DELIMITER ;;\nSELECT 1;;\nsystem touch /tmp/x;;\nDELIMITER ;\n'))).toMatch(/'system'/);
    // with ;; as delimiter, "; system" is inside a statement, not a new one: accepted
    expect(() => scan(body("DELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; END;;\nDELIMITER ;\n"))).not.toThrow();
    expect(refused(body("DELIMITER '\n"))).toMatch(/unusual delimiter/);
  });

  it('follows NO_BACKSLASH_ESCAPES: a string the client ends at a backslash does not hide a command', () => {
    // escapes on: 'a\'...' continues; with the mode on the client ends the string at \' and runs \!
    const attack = "SET sql_mode = 'NO_BACKSLASH_ESCAPES';\nINSERT INTO t VALUES ('a\\'); \\! touch /tmp/x ;'\n";
    expect(refused(body(attack))).toMatch(/'\\!'/);
    // the same text without the mode is one string: accepted
    expect(() => scan(body("INSERT INTO t VALUES ('a\\'); \\\\! touch /tmp/x ;');\n"))).not.toThrow();
    // saved and restored through a variable, as mysqldump does around routines
    expect(() => scan(body("/*!50003 SET @saved_sql_mode = @@sql_mode */ ;\n/*!50003 SET sql_mode = 'NO_BACKSLASH_ESCAPES' */ ;\nSELECT 'a\\';\n/*!50003 SET sql_mode = @saved_sql_mode */ ;\nSELECT 'b\\'c';\n"))).not.toThrow();
    expect(refused(body("SET sql_mode = CONCAT('NO_BACKSLASH', '_ESCAPES');\n"))).toMatch(/expression/);
    expect(refused(body("SET sql_mode = @never_saved;\n"))).toMatch(/not saved/);
    expect(refused(body("/*!99999 SET sql_mode = '' */;\n"))).toMatch(/version comment/);
    expect(refused(body("/*M!100000 SET sql_mode = '' */;\n"))).toMatch(/version comment/);
    expect(refused(body("SET GLOBAL sql_mode = '';\n"))).toMatch(/server-wide/);
    expect(refused(body("SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5';\n"))).toMatch(/server-wide/);
    expect(refused(body('SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;\nSET @@SESSION.SQL_LOG_BIN= 0;\n'))).toMatch(/binary log/);
    expect(refused(body("SET @m = @@sql_mode;\nSELECT 'NO_BACKSLASH_ESCAPES' INTO @m;\nSET sql_mode = @m;\n"))).toMatch(/not saved/);
    // the mode of one statement only: the scan must not take it for the session's
    expect(refused(body("SET STATEMENT sql_mode = 'NO_BACKSLASH_ESCAPES' FOR SELECT 1;\nSELECT 'a\\'b' \\! x ';\n"))).toMatch(/SET STATEMENT/);
    // compound statements run outside routines in MariaDB and could set the mode unseen
    expect(refused(body("DELIMITER ;;\nBEGIN NOT ATOMIC SET sql_mode = 'NO_BACKSLASH_ESCAPES'; END;;\nDELIMITER ;\n"))).toMatch(/compound/);
    expect(refused(body("DELIMITER ;;\nIF 1 THEN SET sql_mode = 'NO_BACKSLASH_ESCAPES'; END IF;;\nDELIMITER ;\n"))).toMatch(/compound/);
    expect(refused(body("DELIMITER ;;\nl1: LOOP LEAVE l1; END LOOP;;\nDELIMITER ;\n"))).toMatch(/compound/);
    expect(() => scan(body('BEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\n'))).not.toThrow();
  });

  it('refuses what takes the restore out of its database or changes how the client reads', () => {
    expect(refused(body('CREATE DATABASE `other`;\n'))).toMatch(/CREATE DATABASE/);
    expect(refused(body('/*!40000 DROP DATABASE IF EXISTS `app`*/;\n'))).toMatch(/DROP DATABASE/);
    expect(refused(body("PREPARE s FROM 'SET sql_mode=1';\n"))).toMatch(/PREPARE/);
    expect(refused(body("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t;\n"))).toMatch(/LOCAL/);
    expect(refused(body('/*!40101 SET NAMES sjis */;\n'))).toMatch(/sjis/);
    expect(refused(body('SELECT 1;\u0000\n'))).toMatch(/NUL/);
  });

  it('refuses a file cut inside a string or a comment', () => {
    expect(refused(HEAD + "INSERT INTO t VALUES ('abc")).toMatch(/inside a '-quoted string/);
    expect(refused(HEAD + '/* abc')).toMatch(/inside a \/\* comment/);
  });

  it('the completion line pattern matches the evidence samples', () => {
    expect(COMPLETION_LINE.source).toBe(format.completionLine);
    for (const line of format.samples.completed) expect(COMPLETION_LINE.test(line)).toBe(true);
    for (const line of format.samples.notCompleted) expect(COMPLETION_LINE.test(line)).toBe(false);
  });
});
