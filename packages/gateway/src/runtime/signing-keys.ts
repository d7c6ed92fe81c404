import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPublicKey, randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { Config } from '../config/config.js';
import { TokenService, type SigningKeys } from '../auth/token.service.js';

/** Where development keeps its generated secret, so tokens survive restarts. Never used in production. */
export const developmentSecretFile = './data/dev-jwt-secret';

/** The configured signing keys; outside production a generated secret stands in when none is set. */
export function signingKeys(config: Config): SigningKeys {
  if (config.TANDEM_JWT_PUBLIC_KEY_FILE) {
    const keyType = createPublicKey(readFileSync(config.TANDEM_JWT_PUBLIC_KEY_FILE, 'utf8')).asymmetricKeyType;
    const algorithm = keyType === 'ec' ? 'ES256' : 'RS256';
    return TokenService.readPemFiles(algorithm, config.TANDEM_JWT_PUBLIC_KEY_FILE, config.TANDEM_JWT_PRIVATE_KEY_FILE);
  }
  if (config.TANDEM_JWT_SECRET) return { kind: 'secret', secret: config.TANDEM_JWT_SECRET };
  return { kind: 'secret', secret: developmentSecret() };
}

function developmentSecret(): string {
  if (existsSync(developmentSecretFile)) return readFileSync(developmentSecretFile, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(developmentSecretFile), { recursive: true });
  writeFileSync(developmentSecretFile, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function createTokenService(config: Config): Promise<TokenService> {
  return TokenService.create(signingKeys(config), config.TANDEM_JWT_ISSUER);
}
