// The real snowflake-sdk against the loopback Snowflake simulator (not a real account): key-pair
// (encrypted private key with passphrase) and OAuth logins, and secrets kept out of everything printed.
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { AuthenticationError, DatabaseManager, Secret } from '@gds/database';
import { startSnowflakeSimulator, type SnowflakeSimulator } from '@gds/testkit/snowflake';
import '../src/index.js';
import { loadDriverFirst } from './load-driver.js';

loadDriverFirst();
jest.setTimeout(30_000); // real snowflake-sdk logins and statements over HTTP: room for a loaded CI machine (jest's default is 5 s)

let sim: SnowflakeSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const PASSPHRASE = 'key-Passphrase-42';
const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE },
});

function endpoint(s: SnowflakeSimulator) {
  return { type: 'snowflake' as const, account: s.account, host: '127.0.0.1', port: s.port, protocol: 'http' as const };
}

describe('Snowflake authentication (simulator, real snowflake-sdk)', () => {
  it('logs in with an encrypted private key and its passphrase (the JWT is checked against the public key)', async () => {
    sim = await startSnowflakeSimulator({ users: { KEYUSER: { publicKey: keys.publicKey } } });
    const m = await DatabaseManager.connect({ ...endpoint(sim), username: 'keyuser', privateKey: new Secret(keys.privateKey), privateKeyPass: new Secret(PASSPHRASE) });
    try {
      expect(sim.logins).toEqual([expect.objectContaining({ authenticator: 'SNOWFLAKE_JWT', accepted: true })]);
      expect(sim.logins[0]?.jwtSubject).toMatch(/^SIMACCOUNT\.KEYUSER$/);
      const printed = `${JSON.stringify(m.connection)} ${inspect(m.connection, { depth: 5 })} ${m.connection.endpoint}`;
      expect(printed).not.toContain(PASSPHRASE);
      expect(printed).not.toContain('PRIVATE KEY');
    } finally {
      await m.close();
    }
  });

  it('refuses a key the server does not know with AuthenticationError', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    sim = await startSnowflakeSimulator({ users: { KEYUSER: { publicKey: keys.publicKey } } });
    await expect(DatabaseManager.connect({ ...endpoint(sim), username: 'keyuser', privateKey: other.privateKey })).rejects.toThrow(AuthenticationError);
  });

  it('logs in with an OAuth token, and a wrong token is an AuthenticationError that does not print it', async () => {
    sim = await startSnowflakeSimulator({ users: { APP: { oauthToken: 'oauth-Token-right-1' } } });
    const m = await DatabaseManager.connect({ ...endpoint(sim), username: 'app', token: 'oauth-Token-right-1' });
    await m.close();
    expect(sim.logins.map((l) => [l.authenticator, l.accepted])).toEqual([['OAUTH', true]]);
    const error = await DatabaseManager.connect({ ...endpoint(sim), username: 'app', token: 'oauth-Token-wrong-2' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(JSON.stringify(error) + String((error as Error).stack) + String(((error as Error).cause as Error | undefined)?.message)).not.toContain('oauth-Token-wrong-2');
  });
});
