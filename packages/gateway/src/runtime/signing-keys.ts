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
    return TokenService.readPemFiles(pemAlgorithm(config.TANDEM_JWT_PUBLIC_KEY_FILE), config.TANDEM_JWT_PUBLIC_KEY_FILE, config.TANDEM_JWT_PRIVATE_KEY_FILE);
  }
  if (config.TANDEM_JWT_SECRET) return { kind: 'secret', secret: config.TANDEM_JWT_SECRET };
  return { kind: 'secret', secret: developmentSecret() };
}

/** Keys rotated out of signing whose tokens are still accepted: previous secrets and previous public keys. */
export function previousSigningKeys(config: Config): SigningKeys[] {
  return [
    ...(config.TANDEM_JWT_PREVIOUS_SECRETS ?? []).map((secret): SigningKeys => ({ kind: 'secret', secret })),
    ...(config.TANDEM_JWT_PREVIOUS_PUBLIC_KEY_FILES ?? []).map((file) => TokenService.readPemFiles(pemAlgorithm(file), file)),
  ];
}

/** EC keys sign ES256, RSA keys RS256. */
function pemAlgorithm(publicKeyFile: string): 'RS256' | 'ES256' {
  return createPublicKey(readFileSync(publicKeyFile, 'utf8')).asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
}

function developmentSecret(): string {
  if (existsSync(developmentSecretFile)) return readFileSync(developmentSecretFile, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(developmentSecretFile), { recursive: true });
  writeFileSync(developmentSecretFile, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function createTokenService(config: Config): Promise<TokenService> {
  return TokenService.create(signingKeys(config), config.TANDEM_JWT_ISSUER, { previousKeys: previousSigningKeys(config) });
}
