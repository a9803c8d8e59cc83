import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * Loads an ES256 key pair from `file`, generating it (mode 0600) on first use. Keys live under the
 * git-ignored data folder: development keys are made on each machine, never committed.
 */
export async function loadOrCreateSigningKey(file: string, kidPrefix: string): Promise<SigningKey> {
  if (!fs.existsSync(file)) {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `${kidPrefix}-${Date.now().toString(36)}`;
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ privateJwk, publicJwk }, null, 2), { mode: 0o600 });
    // Two processes starting together must agree on one key: the first rename wins.
    if (!fs.existsSync(file)) fs.renameSync(tmp, file);
    else fs.rmSync(tmp);
  }
  const { privateJwk, publicJwk } = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    privateJwk: JWK;
    publicJwk: JWK;
  };
  const privateKey = (await importJWK(privateJwk, 'ES256')) as CryptoKey;
  return { kid: publicJwk.kid!, alg: 'ES256', privateKey, publicJwk };
}

export function writeJwks(file: string, keys: JWK[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ keys }, null, 2));
}
