import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ValidationError, fieldIssuesFromZod } from '@tandem/schema';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const brokerList = z
  .string()
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')).min(1, 'must list at least one host:port'));

const commaList = z.string().transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

/** `*`, or an origin exactly as browsers send it in `Origin`: `https://host[:port]`. */
function checkCorsOrigin(value: string, ctx: z.RefinementCtx): void {
  if (value === '*') return;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !['http:', 'https:'].includes(url.protocol)) ctx.addIssue({ code: 'custom', message: 'each origin must be * or http(s)://host[:port]' });
  else if (url.origin !== value) ctx.addIssue({ code: 'custom', message: 'each origin must be scheme://host[:port] with no path or trailing slash' });
}

/**
 * Every environment variable Tandem reads, with its default. `.env.example`, the README's
 * configuration table and docker-compose.yml use exactly these names (a test checks it).
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0).max(65_535, 'must be at most 65535').default(4000),
    DATABASE_URL: z
      .string()
      .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: (SQLite) or postgres:// (PostgreSQL)')
      .default('file:./data/tandem.db'),
    DATABASE_POOL_SIZE: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(10),
    /** Unset: the embedded log in the database is the bus. */
    KAFKA_BROKERS: brokerList.optional(),
    KAFKA_CLIENT_ID: z.string().min(1).default('tandem'),
    TANDEM_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    TANDEM_JWT_PRIVATE_KEY_FILE: z.string().optional(),
    TANDEM_JWT_PUBLIC_KEY_FILE: z.string().optional(),
    /** Key rotation: secrets that signed tokens before the current one, still accepted until removed. */
    TANDEM_JWT_PREVIOUS_SECRETS: commaList.pipe(z.array(z.string().min(32, 'each secret must be at least 32 characters')).min(1, 'must list at least one secret')).optional(),
    /** Key rotation: public keys (PEM files) of earlier key pairs, still accepted until removed. */
    TANDEM_JWT_PREVIOUS_PUBLIC_KEY_FILES: commaList.pipe(z.array(z.string()).min(1, 'must list at least one file')).optional(),
    TANDEM_JWT_ISSUER: z.string().min(1).default('tandem'),
    LOG_LEVEL: z.enum(logLevels).default('info'),
    /** Only the operations of trusted-documents.json run (sent by id); first-party-only deployments. */
    TANDEM_TRUSTED_DOCUMENTS_ONLY: z.stringbool({ error: 'must be true or false' }).default(false),
    /** Browser origins allowed to call /graphql cross-origin (`*`: any). Unset: none, same-origin only. */
    TANDEM_CORS_ORIGINS: commaList
      .pipe(z.array(z.string().superRefine(checkCorsOrigin)).min(1, 'must list at least one origin'))
      .optional(),
    /** `/graphql` serves the Apollo Federation v2 subgraph schema (the public API plus `_entities`/`_service`). */
    TANDEM_GRAPHQL_SUBGRAPH: z.stringbool({ error: 'must be true or false' }).default(false),
    /**
     * Processes serving HTTP on PORT (`auto`: one per CPU). Above 1, `tandem serve` forks them
     * and runs the sync engine in a process of its own beside them.
     */
    TANDEM_HTTP_PROCESSES: z
      .string()
      .default('1')
      .transform((value, ctx) => {
        const count = value.trim() === 'auto' ? availableParallelism() : Number(value);
        if (Number.isInteger(count) && count >= 1 && count <= 64) return count;
        ctx.addIssue({ code: 'custom', message: 'must be a whole number from 1 to 64, or auto' });
        return z.NEVER;
      }),
    /** Days the log keeps rows every consumer group has read (embedded) or the relay published (Kafka mode). */
    TANDEM_LOG_RETENTION_DAYS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(3650, 'must be at most 3650').default(7),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.TANDEM_JWT_SECRET && !env.TANDEM_JWT_PUBLIC_KEY_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['TANDEM_JWT_SECRET'],
        message: 'is required in production (or TANDEM_JWT_PUBLIC_KEY_FILE)',
      });
    }
    if (env.TANDEM_GRAPHQL_SUBGRAPH && env.TANDEM_TRUSTED_DOCUMENTS_ONLY) {
      ctx.addIssue({
        code: 'custom',
        path: ['TANDEM_GRAPHQL_SUBGRAPH'],
        message: 'cannot be combined with TANDEM_TRUSTED_DOCUMENTS_ONLY: a supergraph router sends the documents its query planner generates, which no list can hold',
      });
    }
    if (Boolean(env.TANDEM_JWT_PRIVATE_KEY_FILE) && !env.TANDEM_JWT_PUBLIC_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['TANDEM_JWT_PUBLIC_KEY_FILE'], message: 'is required with TANDEM_JWT_PRIVATE_KEY_FILE' });
    }
  }, { when: () => true }); // run even when other variables failed: one error must list every bad variable

export type Config = z.output<typeof configSchema>;
export const configVariables = Object.keys(configSchema.shape) as (keyof Config)[];

/** Secrets never reach a log line. */
export const secretVariables: ReadonlySet<keyof Config> = new Set(['TANDEM_JWT_SECRET', 'TANDEM_JWT_PREVIOUS_SECRETS', 'DATABASE_URL']);

/** Parses the environment once; one error lists every bad variable and why. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(configVariables.map((name) => [name, emptyToUndefined(env[name])]));
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issues = fieldIssuesFromZod(result.error).map((issue) => ({ ...issue, path: issue.path.split('.')[0] ?? '' }));
    const error = new ValidationError(issues, 'BAD_CONFIGURATION');
    error.message = `Invalid configuration:\n${error.issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n')}`;
    throw error;
  }
  return result.data;
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The configuration as it may be logged: secrets replaced, credentials in URLs masked. */
export function redactConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([name, value]) => {
      if (name === 'DATABASE_URL') return [name, String(value).replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')];
      return [name, secretVariables.has(name as keyof Config) && value !== undefined ? '***' : value];
    }),
  );
}
