import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { decodeProtectedHeader, errors, importPKCS8, importSPKI, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { TandemError } from '@tandem/schema';
import { principal as principalContract, type Principal } from './principal.js';

/** Signing material: an HS256 secret, or an asymmetric key pair (RS256/ES256) read from PEM files. */
export type SigningKeys =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'pem'; readonly algorithm: 'RS256' | 'ES256'; readonly publicKeyPem: string; readonly privateKeyPem?: string };

type Algorithm = 'HS256' | 'RS256' | 'ES256';
type Verifier = Parameters<typeof jwtVerify>[1];
type Signer = Parameters<SignJWT['sign']>[0];

/** One key that verifies tokens: its algorithm and the `kid` tokens signed with it carry. */
interface VerificationKey {
  readonly algorithm: Algorithm;
  readonly kid: string;
  readonly key: Verifier;
}

export interface TokenServiceOptions {
  /**
   * Keys rotated out of signing whose tokens are still accepted until they are removed from this
   * list (a secret or a public key each; private keys are ignored). Tokens name their key by `kid`.
   */
  readonly previousKeys?: readonly SigningKeys[];
}

/** A token this service verified: its principal, and until when (`exp`, seconds since the epoch) it stands. */
interface VerifiedToken {
  readonly principal: Principal;
  readonly expiresAt: number;
}

/**
 * How many verified tokens are remembered (least recently used dropped first). An agent sends its
 * token with every request; remembering it saves the signature check (an HMAC or an ECDSA/RSA
 * verification plus a key import per request), a few hundred bytes per entry.
 */
const verifiedTokenCacheSize = 10_000;

/**
 * Issues and verifies bearer tokens carrying party, role and (interaction-center agents) the
 * client acted for. Every key has a `kid` derived from it: tokens are signed with the current key
 * and verified with the key their `kid` names — the current one or a previous one still accepted.
 */
export class TokenService {
  /**
   * Tokens verified before, by their exact text, until their `exp`. Tokens cannot be revoked (API
   * keys can, and are checked per request elsewhere), the keys that verify them are fixed for the
   * life of the service, and `nbf`, once passed, stays passed: the only check that changes with
   * time is expiry, and it runs on every hit.
   */
  readonly #verified = new LRUCache<string, VerifiedToken>({ max: verifiedTokenCacheSize });

  private constructor(
    private readonly current: VerificationKey,
    private readonly signKey: Signer | undefined,
    private readonly verifiers: ReadonlyMap<string, VerificationKey>,
    private readonly issuer: string,
  ) {}

  static async create(keys: SigningKeys, issuer: string, options: TokenServiceOptions = {}): Promise<TokenService> {
    const current = await verificationKey(keys);
    const signKey =
      keys.kind === 'secret' ? new TextEncoder().encode(keys.secret) : keys.privateKeyPem ? await importPKCS8(keys.privateKeyPem, keys.algorithm) : undefined;
    const verifiers = new Map<string, VerificationKey>();
    for (const previous of options.previousKeys ?? []) {
      const key = await verificationKey(previous);
      verifiers.set(key.kid, key);
    }
    verifiers.set(current.kid, current);
    return new TokenService(current, signKey, verifiers, issuer);
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
      .setProtectedHeader({ alg: this.current.algorithm, kid: this.current.kid })
      .setSubject(principal.subject)
      .setIssuer(this.issuer)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '8h')
      .sign(this.signKey);
  }

  /** Verifies `kid` (a current or still-accepted key), signature, issuer and expiry; throws UNAUTHENTICATED with the reason. */
  async verify(token: string): Promise<Principal> {
    const known = this.#verified.get(token);
    if (known && known.expiresAt > epochSeconds()) return known.principal;
    // Expired (or never seen): the full check below says why it is refused.
    if (known) this.#verified.delete(token);
    try {
      const kid = keyIdOf(token);
      const verifier = kid === undefined ? undefined : this.verifiers.get(kid);
      if (!verifier) {
        throw unauthenticated('TOKEN_UNKNOWN_KEY', kid === undefined ? 'token names no signing key (kid)' : `token key id ${kid.slice(0, 64)} is not a current or accepted signing key`);
      }
      // The algorithm comes from the key, never from the token: no HS256-with-a-public-key confusion.
      const { payload } = await jwtVerify(token, verifier.key, { issuer: this.issuer, algorithms: [verifier.algorithm] });
      const parsed = principalContract.safeParse({ subject: payload.sub, party: payload.party, role: payload.role, actingFor: payload.actingFor, expiresAt: payload.exp });
      if (!parsed.success) throw unauthenticated('TOKEN_CLAIMS_INVALID', 'token claims party, role or sub are missing or invalid');
      // One principal serves every request with this token: frozen, so no request can change it for the next.
      const principal = Object.freeze(parsed.data);
      // A token without `exp` never expires: it is verified every time rather than remembered for ever.
      if (payload.exp !== undefined) this.#verified.set(token, { principal, expiresAt: payload.exp });
      return principal;
    } catch (error) {
      if (error instanceof TandemError) throw error;
      if (error instanceof errors.JWTExpired) throw unauthenticated('TOKEN_EXPIRED', 'token has expired');
      if (error instanceof errors.JWSSignatureVerificationFailed) throw unauthenticated('TOKEN_SIGNATURE_INVALID', 'token signature is invalid');
      if (error instanceof errors.JOSEError) throw unauthenticated('TOKEN_INVALID', `token is invalid (${error.code})`);
      throw error;
    }
  }
}

/** Now as jose compares it with `exp`: whole seconds since the epoch (a token is expired from its `exp` second on). */
function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The `kid` of a token's protected header; UNAUTHENTICATED when the token is not a compact JWS. */
function keyIdOf(token: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    throw unauthenticated('TOKEN_INVALID', 'token is not a JWS in compact form');
  }
}

async function verificationKey(keys: SigningKeys): Promise<VerificationKey> {
  if (keys.kind === 'secret') return { algorithm: 'HS256', kid: keyId(keys.secret), key: new TextEncoder().encode(keys.secret) };
  return { algorithm: keys.algorithm, kid: keyId(keys.publicKeyPem), key: await importSPKI(keys.publicKeyPem, keys.algorithm) };
}

function keyId(material: string): string {
  return createHash('sha256').update(material).digest('base64url').slice(0, 16);
}

function unauthenticated(code: string, message: string): TandemError {
  return new TandemError('UNAUTHENTICATED', code, message);
}
