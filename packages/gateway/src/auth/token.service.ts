import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { errors, importPKCS8, importSPKI, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { TandemError } from '@tandem/schema';
import { principal as principalContract, type Principal } from './principal.js';

/** Signing material: an HS256 secret, or an asymmetric key pair (RS256/ES256) read from PEM files. */
export type SigningKeys =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'pem'; readonly algorithm: 'RS256' | 'ES256'; readonly publicKeyPem: string; readonly privateKeyPem?: string };

type Verifier = Parameters<typeof jwtVerify>[1];
type Signer = Parameters<SignJWT['sign']>[0];

/**
 * Issues and verifies bearer tokens carrying party, role and (interaction-center agents) the
 * client acted for. Every key has a `kid` derived from it, so rotated keys are told apart.
 */
export class TokenService {
  private constructor(
    private readonly algorithm: 'HS256' | 'RS256' | 'ES256',
    private readonly kid: string,
    private readonly verifyKey: Verifier,
    private readonly signKey: Signer | undefined,
    private readonly issuer: string,
  ) {}

  static async create(keys: SigningKeys, issuer: string): Promise<TokenService> {
    if (keys.kind === 'secret') {
      const secret = new TextEncoder().encode(keys.secret);
      return new TokenService('HS256', keyId(keys.secret), secret, secret, issuer);
    }
    const publicKey = await importSPKI(keys.publicKeyPem, keys.algorithm);
    const privateKey = keys.privateKeyPem ? await importPKCS8(keys.privateKeyPem, keys.algorithm) : undefined;
    return new TokenService(keys.algorithm, keyId(keys.publicKeyPem), publicKey, privateKey, issuer);
  }

  static readPemFiles(algorithm: 'RS256' | 'ES256', publicKeyFile: string, privateKeyFile?: string): SigningKeys {
    return {
      kind: 'pem',
      algorithm,
      publicKeyPem: readFileSync(publicKeyFile, 'utf8'),
      ...(privateKeyFile ? { privateKeyPem: readFileSync(privateKeyFile, 'utf8') } : {}),
    };
  }

  async issue(principal: Principal, options: { expiresIn?: string } = {}): Promise<string> {
    if (!this.signKey) throw new TandemError('INTERNAL', 'NO_SIGNING_KEY', 'this hub only verifies tokens (no private key configured)');
    const claims: JWTPayload = { party: principal.party, role: principal.role, ...(principal.actingFor ? { actingFor: principal.actingFor } : {}) };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.algorithm, kid: this.kid })
      .setSubject(principal.subject)
      .setIssuer(this.issuer)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '8h')
      .sign(this.signKey);
  }

  /** Verifies signature, `kid`, issuer and expiry; throws UNAUTHENTICATED with the reason. */
  async verify(token: string): Promise<Principal> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.verifyKey, { issuer: this.issuer, algorithms: [this.algorithm] });
      if (protectedHeader.kid !== this.kid) throw unauthenticated('TOKEN_UNKNOWN_KEY', `token key id ${String(protectedHeader.kid)} is not a current signing key`);
      const parsed = principalContract.safeParse({ subject: payload.sub, party: payload.party, role: payload.role, actingFor: payload.actingFor });
      if (!parsed.success) throw unauthenticated('TOKEN_CLAIMS_INVALID', 'token claims party, role or sub are missing or invalid');
      return parsed.data;
    } catch (error) {
      if (error instanceof TandemError) throw error;
      if (error instanceof errors.JWTExpired) throw unauthenticated('TOKEN_EXPIRED', 'token has expired');
      if (error instanceof errors.JWSSignatureVerificationFailed) throw unauthenticated('TOKEN_SIGNATURE_INVALID', 'token signature is invalid');
      if (error instanceof errors.JOSEError) throw unauthenticated('TOKEN_INVALID', `token is invalid (${error.code})`);
      throw error;
    }
  }
}

function keyId(material: string): string {
  return createHash('sha256').update(material).digest('base64url').slice(0, 16);
}

function unauthenticated(code: string, message: string): TandemError {
  return new TandemError('UNAUTHENTICATED', code, message);
}
