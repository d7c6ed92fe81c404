import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ValidationError } from '@tandem/schema';
import { configVariables, loadConfig, redactConfig, type Config } from '../src/config/config.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readRootFile = (name: string): string => readFileSync(`${root}${name}`, 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { target?: number; published?: number | string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  deploy?: { replicas?: number };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

const compose = parse(readRootFile('docker-compose.yml')) as ComposeFile;
const appServices = ['gateway', 'worker', 'migrate'] as const;
const knownVariables: ReadonlySet<string> = new Set(configVariables);
const testSecret = 'a-test-secret-that-is-longer-than-32-characters';

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** A service's environment as name → raw (uninterpolated) value, for the map and list forms. */
function environmentOf(name: string): Record<string, string> {
  const environment = service(name).environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

/** Compose variable interpolation: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `$$`. */
function interpolate(value: string, variables: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name: string | undefined, operator?: string, argument?: string) => {
    if (match === '$$') return '$';
    const raw = variables[name as string];
    const missing = operator?.startsWith(':') ? raw === undefined || raw === '' : raw === undefined;
    if (!missing) return raw as string;
    if (operator?.endsWith('?')) throw new Error(`${name}: ${argument ?? 'required'}`);
    return operator?.endsWith('-') ? (argument ?? '') : '';
  });
}

function interpolatedEnvironment(name: string, variables: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(environmentOf(name)).map(([key, value]) => [key, interpolate(value, variables)]));
}

function publishedPorts(name: string): string[] {
  return (service(name).ports ?? []).map((port) =>
    typeof port === 'string' ? port : `${port.published ?? ''}:${port.target ?? ''}`,
  );
}

function thrownBy(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

/** The variable each issue names (`KAFKA_BROKERS.0` → `KAFKA_BROKERS`). */
const variablesOf = (error: ValidationError): string[] => error.issues.map((issue) => issue.path.split('.')[0] ?? '').sort();

describe('docker-compose.yml', () => {
  it('defines the production services', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'kafka', 'migrate', 'gateway', 'worker']));
  });

  it('publishes the gateway on port 4000', () => {
    expect(publishedPorts('gateway')).toContain('4000:4000');
  });

  it('runs one CLI command per application service', () => {
    expect(service('gateway').command).toEqual(['pnpm', 'tandem', 'serve']);
    expect(service('worker').command).toEqual(['pnpm', 'tandem', 'worker']);
    expect(service('migrate').command).toEqual(['pnpm', 'tandem', 'migrate']);
    expect(service('worker').deploy?.replicas).toBe(2);
  });

  it('starts the gateway only after migrations succeeded and Kafka is healthy', () => {
    expect(service('gateway').depends_on).toMatchObject({
      migrate: { condition: 'service_completed_successfully' },
      kafka: { condition: 'service_healthy' },
    });
    expect(service('migrate').depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
  });

  it.each(appServices)('sets only configuration variables on %s', (name) => {
    const names = Object.keys(environmentOf(name));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((variable) => !knownVariables.has(variable))).toEqual([]);
  });

  it('gives gateway, worker and migrate the same environment', () => {
    expect(environmentOf('worker')).toEqual(environmentOf('gateway'));
    expect(environmentOf('migrate')).toEqual(environmentOf('gateway'));
  });

  it('has a gateway environment that loads and selects PostgreSQL and Kafka', () => {
    const config = loadConfig(interpolatedEnvironment('gateway', { TANDEM_JWT_SECRET: testSecret }));
    expect(config.NODE_ENV).toBe('production');
    expect(config.PORT).toBe(4000);
    expect(config.DATABASE_URL).toMatch(/^postgres(ql)?:\/\/[^/]*@postgres:5432\//);
    expect(config.KAFKA_BROKERS).toEqual(['kafka:9092']);
    expect(config.TANDEM_JWT_SECRET).toBe(testSecret);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.TANDEM_HTTP_PROCESSES).toBe(availableParallelism());
  });

  it('takes the JWT secret from the deployer instead of hard-coding one', () => {
    expect(environmentOf('gateway').TANDEM_JWT_SECRET).toMatch(/^\$\{TANDEM_JWT_SECRET:\?[^}]+\}$/);
    expect(() => interpolatedEnvironment('gateway', {})).toThrow(/TANDEM_JWT_SECRET/);
  });

  it.each(['postgres', 'kafka', 'gateway'])('has a healthcheck for %s', (name) => {
    const healthcheck = service(name).healthcheck;
    expect(healthcheck?.disable).not.toBe(true);
    expect(healthcheck?.test?.length).toBeGreaterThan(0);
  });

  it('checks readiness of the gateway at /readyz and runs Kafka in KRaft mode', () => {
    expect(JSON.stringify(service('gateway').healthcheck?.test)).toContain('/readyz');
    const kafka = service('kafka');
    expect(kafka.image).toBe('apache/kafka:3.9.0');
    expect(kafka.environment).toMatchObject({
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://kafka:9092',
    });
  });
});

describe('.env.example', () => {
  const names = readRootFile('.env.example')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line.trim())?.[1])
    .filter((name): name is string => name !== undefined);

  it('names exactly the configuration variables, once each', () => {
    expect([...names].sort()).toEqual([...configVariables].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it('documents every variable with a comment line', () => {
    const lines = readRootFile('.env.example').split('\n');
    for (const name of configVariables) {
      const at = lines.findIndex((line) => line.startsWith(`${name}=`));
      expect(lines[at - 1], name).toMatch(/^# \S/);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readRootFile('Dockerfile');
  const packageManager = (JSON.parse(readRootFile('package.json')) as { packageManager: string }).packageManager;

  it('pins the pnpm version of package.json packageManager', () => {
    const pinned = [...dockerfile.matchAll(/pnpm@(\d+\.\d+\.\d+\S*)/g)].map((match) => match[1]);
    expect(pinned.length).toBeGreaterThan(0);
    expect(new Set(pinned)).toEqual(new Set([packageManager.replace(/^pnpm@/, '').split('+')[0]]));
  });

  it('serves on 4000 as a non-root user with a health check', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim|^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^EXPOSE 4000$/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production$/m);
    expect(dockerfile).toMatch(/^USER (?!root\b|0\b)\S+$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK[\s\S]*127\.0\.0\.1:4000\/healthz/m);
    expect(dockerfile).toMatch(/^CMD \["pnpm", "tandem", "serve"\]$/m);
  });

  it('keeps local state out of the build context', () => {
    const ignored = readRootFile('.dockerignore').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'data', '.git', 'tests/kafka/kafka-mock']));
  });
});

describe('loadConfig', () => {
  it('defaults to embedded mode with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      DATABASE_URL: 'file:./data/tandem.db',
      PORT: 4000,
      LOG_LEVEL: 'info',
    });
    expect(config.KAFKA_BROKERS).toBeUndefined();
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ KAFKA_BROKERS: '', PORT: ' ' })).toMatchObject({ KAFKA_BROKERS: undefined, PORT: 4000 });
  });

  it('splits the broker list', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092' }).KAFKA_BROKERS).toEqual(['kafka-1:9092', 'kafka-2:9092']);
  });

  it('reports every bad variable in one error', () => {
    const error = thrownBy(() => loadConfig({ PORT: 'abc', KAFKA_BROKERS: 'nohostport', LOG_LEVEL: 'loud' }));
    expect(error.code).toBe('BAD_CONFIGURATION');
    expect(variablesOf(error)).toEqual(['KAFKA_BROKERS', 'LOG_LEVEL', 'PORT']);
    for (const name of ['PORT', 'KAFKA_BROKERS', 'LOG_LEVEL']) expect(error.message).toContain(name);
  });

  it('reads CORS origins as a list and names a malformed one', () => {
    expect(loadConfig({ TANDEM_CORS_ORIGINS: 'https://crm.dealer.example, http://localhost:5173' }).TANDEM_CORS_ORIGINS).toEqual(['https://crm.dealer.example', 'http://localhost:5173']);
    expect(loadConfig({ TANDEM_CORS_ORIGINS: '*' }).TANDEM_CORS_ORIGINS).toEqual(['*']);
    const error = thrownBy(() => loadConfig({ TANDEM_CORS_ORIGINS: 'https://crm.dealer.example/app' }));
    expect(error.message).toContain('TANDEM_CORS_ORIGINS: each origin must be scheme://host[:port] with no path or trailing slash');
    expect(thrownBy(() => loadConfig({ TANDEM_CORS_ORIGINS: 'crm.dealer.example' })).message).toContain('TANDEM_CORS_ORIGINS: each origin must be * or http(s)://host[:port]');
  });

  it('reads the HTTP processes as a count from 1 to 64 or auto (one per CPU), and names a bad one', () => {
    expect(loadConfig({}).TANDEM_HTTP_PROCESSES).toBe(1);
    expect(loadConfig({ TANDEM_HTTP_PROCESSES: '4' }).TANDEM_HTTP_PROCESSES).toBe(4);
    expect(loadConfig({ TANDEM_HTTP_PROCESSES: 'auto' }).TANDEM_HTTP_PROCESSES).toBe(availableParallelism());
    for (const bad of ['0', '65', '2.5', 'many']) {
      const error = thrownBy(() => loadConfig({ TANDEM_HTTP_PROCESSES: bad }));
      expect(variablesOf(error)).toEqual(['TANDEM_HTTP_PROCESSES']);
      expect(error.message).toContain('TANDEM_HTTP_PROCESSES: must be a whole number from 1 to 64, or auto');
    }
  });

  it('requires TANDEM_JWT_SECRET in production', () => {
    const error = thrownBy(() => loadConfig({ NODE_ENV: 'production' }));
    expect(variablesOf(error)).toEqual(['TANDEM_JWT_SECRET']);
    expect(error.message).toContain('TANDEM_JWT_SECRET');
  });

  it('rejects a JWT secret shorter than 32 characters', () => {
    const error = thrownBy(() => loadConfig({ NODE_ENV: 'production', TANDEM_JWT_SECRET: 'short' }));
    expect(variablesOf(error)).toEqual(['TANDEM_JWT_SECRET']);
  });
});

describe('redactConfig', () => {
  it('masks the JWT secret and the database password', () => {
    const config: Config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://tandem:db-password@postgres:5432/tandem',
      TANDEM_JWT_SECRET: testSecret,
    });
    const redacted = redactConfig(config);
    expect(redacted.TANDEM_JWT_SECRET).toBe('***');
    expect(redacted.DATABASE_URL).toBe('postgres://tandem:***@postgres:5432/tandem');
    const logged = JSON.stringify(redacted);
    expect(logged).not.toContain(testSecret);
    expect(logged).not.toContain('db-password');
    expect(redacted.PORT).toBe(4000);
  });

  it('leaves an embedded database URL and an unset secret as they are', () => {
    const redacted = redactConfig(loadConfig({}));
    expect(redacted.DATABASE_URL).toBe('file:./data/tandem.db');
    expect(redacted.TANDEM_JWT_SECRET).toBeUndefined();
  });
});
