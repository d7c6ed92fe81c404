import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import type { Express } from 'express';
import {
  AccessAuditor,
  AccessTrail,
  loadConsentViews,
  loadCustomerViews,
  loadOpenTaskViews,
  loadTimelines,
  migrate,
  openOrm,
  viewerProfile,
  aidsForCustomer,
  type Em,
  type Orm,
} from '@tandem/core';
import { TandemError } from '@tandem/schema';
import { loadConfig } from '../config/config.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { authenticate } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { TokenService } from '../auth/token.service.js';
import { createConfiguredBus } from '../runtime/bus.js';
import { ProcessGroup, childRole } from '../runtime/process-group.js';
import { runChild, serveApi, type ApiOptions } from '../runtime/serve.js';
import { createTokenService } from '../runtime/signing-keys.js';
import { createProgress } from '../cli/progress.js';
import { defaultDemoNow, defaultDemoSeed, demoCustomer } from '../seed/customer-generator.js';
import { seedDemoWorld } from '../seed/seed.service.js';

export interface GraphqlBenchOptions {
  /** Customers in the seeded world (default 1,000,000). */
  readonly customers: number;
  /** Concurrent HTTP connections (default 50). */
  readonly connections: number;
  /** Length of each measured run, GraphQL and ceiling (default 30). */
  readonly seconds: number;
  /** Machine-readable run: no progress lines on stderr. */
  readonly json: boolean;
  /** Write a V8 CPU profile of each server process into this folder. */
  readonly cpuProfileDir?: string | undefined;
  /** HTTP processes serving the API (`TANDEM_HTTP_PROCESSES`; default: one per CPU). */
  readonly processes: number;
}

/** Where built worlds are kept between runs (gitignored). */
const worldCache = resolve('.bench');

/** The caller of every request: an interaction-center agent taking calls for the manufacturer. */
export const benchPrincipal: Principal = { subject: 'bench-agent', party: 'ic-baltic', role: 'agent', actingFor: 'oem' };

/** The caller of `bench export`: the manufacturer's CRM connector taking a full copy. */
export const exportPrincipal: Principal = { subject: 'bench-export', party: 'oem', role: 'integration' };

/** The timeline page an agent screen opens with. */
const firstPage = 20;

/**
 * What the agent console asks when a call rings: the golden record with its contact points,
 * vehicles and sources, consent in force, open tasks, argumentation aids, the first timeline page.
 */
export const customer360Query = /* GraphQL */ `
  query AgentScreen($id: ID!, $first: Int) {
    customer(id: $id) {
      id kind displayName givenName familyName companyName preferredLanguage updatedAt
      phones { value label source { party visibility } }
      emails { value label source { party visibility } }
      addresses { street postalCode city country label }
      vehicles { vin brand model registrationDate relation source { party visibility } }
      sources { party externalId }
      consent { purpose channel granted recordedAt proof source { party } }
      openTasks { id kind title description status dueAt creator assignee onBehalfOf }
      argumentationAids { id title brand body }
      activities(first: $first) {
        edges { cursor node { id channel direction occurredAt durationSeconds subject outcome content actor party onBehalfOf brand } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

/**
 * The customer-360 read under load: a seeded world of `customers` (built once and kept under
 * `.bench/`, keyed by the generator's output and the size), a gateway in a child process (its own
 * event loop and CPU, as in production), then `connections` concurrent clients asking the agent
 * screen's query for random visible customers for `seconds`, and the same payload from a bare
 * express route on the same core reads as the ceiling. Access audit and rate limits stay on.
 */
export async function graphqlBench(options: GraphqlBenchOptions): Promise<Record<string, number | string>> {
  const log = (line: string) => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };
  const database = await benchWorld(options.customers, options.json, log);
  const ids = await visibleCustomers(database, 10_000);
  if (ids.length === 0) throw new Error(`the world in ${database} has no customer visible to ${benchPrincipal.party}`);

  const server = await startServer(database, {
    processes: options.processes,
    nodeFlags: options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(options.cpuProfileDir)] : [],
  });
  try {
    const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
    const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
    const graphqlRequest: BenchRequest = {
      method: 'POST',
      next: () => ({ path: '/graphql', body: JSON.stringify({ query: customer360Query, variables: { id: pick(), first: firstPage } }) }),
    };
    const ceilingRequest: BenchRequest = { method: 'GET', next: () => ({ path: `/bench/customer-360/${pick()}?first=${firstPage}` }) };

    log(`warming up (${Math.min(5, options.seconds)} s)…`);
    await load(server, graphqlRequest, { ...options, seconds: Math.min(5, options.seconds) }, headers);
    log(`GraphQL: ${options.connections} connections for ${options.seconds} s…`);
    const graphql = await load(server, graphqlRequest, options, headers);
    log(`ceiling: bare express route, ${options.connections} connections for ${options.seconds} s…`);
    await load(server, ceilingRequest, { ...options, seconds: Math.min(5, options.seconds) }, headers);
    const ceiling = await load(server, ceilingRequest, options, headers);
    return {
      scenario: 'graphql',
      customers: options.customers,
      processes: options.processes,
      connections: options.connections,
      seconds: options.seconds,
      rps: round(graphql.rps),
      p50Ms: graphql.p50Ms,
      p99Ms: graphql.p99Ms,
      ceilingRps: round(ceiling.rps),
      ceilingP99Ms: ceiling.p99Ms,
      ratio: round(graphql.rps / ceiling.rps, 2),
      // On a shared machine rates follow the neighbours' load; the server's CPU per request does not.
      cpuMsPerRequest: round(graphql.cpuMsPerRequest, 2),
      ceilingCpuMsPerRequest: round(ceiling.cpuMsPerRequest, 2),
      errors: graphql.errors + ceiling.errors,
    };
  } finally {
    await server.stop();
  }
}

interface LoadResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** The server processes' CPU time (user + system) per answered request. */
  readonly cpuMsPerRequest: number;
}

/** A run's method, and each request's path and body. */
interface BenchRequest {
  readonly method: 'GET' | 'POST';
  next(): { readonly path: string; readonly body?: string };
}

/** One autocannon run; a non-2xx answer, a GraphQL `errors` entry or a missing customer is an error. */
async function load(server: RunningServer, request: BenchRequest, options: Pick<GraphqlBenchOptions, 'connections' | 'seconds'>, headers: Record<string, string>): Promise<LoadResult> {
  const cpuBefore = server.cpuMicros();
  let bad = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}`,
    method: request.method,
    headers,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        setupRequest: (current) => ({ ...current, ...request.next() }),
        onResponse: (status, body) => {
          // Inside a JSON string a quote is escaped: `"errors":[` only matches the top-level key.
          if (status < 200 || status > 299 || body.includes('"errors":[') || body.includes('"customer":null')) bad += 1;
        },
      },
    ],
  });
  const cpuMicros = server.cpuMicros() - cpuBefore;
  return {
    cpuMsPerRequest: cpuMicros / 1000 / Math.max(1, result.requests.total),
    rps: result.requests.total / (result.duration || options.seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: bad + result.errors + result.timeouts,
  };
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

// ---- The world ----------------------------------------------------------------------------------

/**
 * The path of a built world of `customers`, seeding it first when `.bench/` has none. The file
 * name carries a digest of the generator's first customers, so a change to the generator (or the
 * seed, or "now") builds a new world instead of reusing a stale one. Seeding goes to a `.partial`
 * file renamed when complete: an interrupted build is never taken for a world.
 */
export async function benchWorld(customers: number, quiet: boolean, log: (line: string) => void): Promise<string> {
  const world = { seed: defaultDemoSeed, now: defaultDemoNow };
  const generator = createHash('sha256');
  for (let index = 0; index < 20; index++) generator.update(JSON.stringify(demoCustomer(world, index)));
  const path = resolve(worldCache, `world-${generator.digest('hex').slice(0, 12)}-${customers}.db`);
  if (!existsSync(path)) {
    mkdirSync(worldCache, { recursive: true });
    const partial = `${path}.partial`;
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
    log(`building a world of ${customers} customers in ${partial}…`);
    const orm = await openOrm({ databaseUrl: `file:${partial}` });
    try {
      await migrate(orm);
      // A bench world is rebuilt rather than recovered: no fsync, a large page cache while it grows.
      await orm.em.getConnection().execute('pragma synchronous = off');
      await orm.em.getConnection().execute('pragma cache_size = -262144');
      const progress = quiet ? undefined : createProgress('seeding customers', customers);
      const started = performance.now();
      const summary = await seedDemoWorld(orm, { ...world, customers, onProgress: ({ done }) => progress?.update(done) });
      progress?.stop();
      log(`seeded ${JSON.stringify(summary)} in ${Math.round((performance.now() - started) / 1000)} s`);
      await orm.em.getConnection().execute('pragma wal_checkpoint(truncate)');
    } finally {
      await orm.close();
    }
    renameSync(partial, path);
    for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  }
  // A cached world gets the migrations added since it was built (new indexes, say).
  const orm = await openOrm({ databaseUrl: `file:${path}` });
  try {
    await migrate(orm);
  } finally {
    await orm.close();
  }
  return path;
}

/** Up to `count` random customers the bench principal sees: those its client (the manufacturer) holds a record of. */
async function visibleCustomers(database: string, count: number): Promise<string[]> {
  const orm = await openOrm({ databaseUrl: `file:${database}` });
  try {
    const rows = await orm.em
      .getConnection()
      .execute<{ customer_id: string }[]>(
        'select customer_id from source_record where party = ? and deleted_at is null order by random() limit ?', [benchPrincipal.actingFor, count]);
    return rows.map((row: { customer_id: string }) => row.customer_id);
  } finally {
    await orm.close();
  }
}

// ---- The server child -----------------------------------------------------------------------------

export interface RunningServer {
  readonly port: number;
  /** The bench principal's token. */
  readonly token: string;
  /** The export principal's token. */
  readonly exportToken: string;
  /** CPU time (user + system) the server's processes have used so far, in microseconds. */
  cpuMicros(): number;
  stop(): Promise<void>;
}

const benchMain = fileURLToPath(new URL('./main.ts', import.meta.url));

/**
 * Starts `bench graphql-server` in a child process with `processes` HTTP processes (as
 * `TANDEM_HTTP_PROCESSES`) and waits for the line naming its port and tokens; `nodeFlags` go to
 * its node (a CPU profile, a heap limit).
 */
export async function startServer(database: string, options: { readonly processes?: number; readonly nodeFlags?: readonly string[] } = {}): Promise<RunningServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', ...(options.nodeFlags ?? []), benchMain, 'graphql-server', '--database', database, '--processes', String(options.processes ?? 1)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<{ port: number; token: string; exportToken: string }>((resolveReady, reject) => {
    lines.once('line', (line) => {
      try {
        resolveReady(JSON.parse(line) as { port: number; token: string; exportToken: string });
      } catch (error) {
        reject(new Error(`bench server: unexpected first line ${JSON.stringify(line)}`, { cause: error }));
      }
    });
    void exited.then(([code]) => reject(new Error(`bench server exited with code ${String(code)} before listening`)));
  });
  const { port, token, exportToken } = await ready;
  return {
    port,
    token,
    exportToken,
    cpuMicros: () => processTreeCpuMicros(child.pid!),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) in `/proc/<pid>/stat`. */
const MICROS_PER_TICK = 10_000;

/** CPU time (user + system) of a process and all its descendants, from `/proc` (Linux). */
function processTreeCpuMicros(pid: number): number {
  let ticks = 0;
  const visit = (id: number) => {
    // Fields after the command name: state is field 3, utime and stime are fields 14 and 15.
    const fields = readFileSync(`/proc/${id}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
    for (const child of readFileSync(`/proc/${id}/task/${id}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(child));
  };
  visit(pid);
  return ticks * MICROS_PER_TICK;
}

/**
 * The child: the production gateway (`serveApi` with the access audit, rate limits and document
 * limits of production) on a random port in `processes` HTTP processes (forked as `tandem serve`
 * forks them), plus the ceiling route. Prints `{"port","token","exportToken"}` when listening;
 * resolves when SIGTERM closed it cleanly (the audit flushed, a CPU profile written on exit).
 */
export async function serveBenchGateway(database: string, processes: number): Promise<void> {
  const role = childRole();
  if (!role) {
    // The children read the same configuration from the environment they inherit.
    Object.assign(process.env, {
      NODE_ENV: 'production',
      DATABASE_URL: `file:${database}`,
      LOG_LEVEL: 'warn',
      PORT: '0',
      TANDEM_JWT_SECRET: randomBytes(32).toString('base64url'),
      TANDEM_HTTP_PROCESSES: String(processes),
    });
  }
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const api: Omit<ApiOptions, 'sibling'> = {
    // The bench principal is one caller sending thousands of requests a second: its budget is
    // raised through the same option as any deployment's, the other limits stay as in production.
    hardening: { rateLimits: { principal: [{ points: 10_000_000, durationSeconds: 60 }] } },
    extend: (app, { orm, auditor, tokens }) => addBenchRoutes(app, logger, orm, auditor, tokens),
  };
  if (role) {
    await runChild(role, config, logger, api);
    // Served until the primary's SIGTERM ends the process (bench/main.ts exits once this resolves).
    await once(process, 'exit');
    return;
  }
  const orm = await openOrm({ databaseUrl: config.DATABASE_URL });
  const tokens = await createTokenService(config);
  let port: number;
  let stop: () => Promise<void>;
  if (processes > 1) {
    const group = await ProcessGroup.start({ httpProcesses: processes, engine: false, orm, logger });
    port = group.port!;
    stop = () => group.stop();
  } else {
    const bus = createConfiguredBus(config, orm, logger);
    const running = await serveApi(config, logger, orm, bus, { ...api, sibling: false });
    port = (running.server.address() as AddressInfo).port;
    stop = async () => {
      const closed = once(running.server, 'close');
      running.server.close();
      running.server.closeAllConnections();
      await closed;
      for (const close of running.closers) await close();
      await bus.close();
    };
  }
  const token = await tokens.issue(benchPrincipal, { expiresIn: '2h' });
  const exportToken = await tokens.issue(exportPrincipal, { expiresIn: '2h' });
  process.stdout.write(`${JSON.stringify({ port, token, exportToken })}\n`);
  await once(process, 'SIGTERM');
  await stop();
  await orm.close();
}

/** The ceiling route and the server's memory, beside the API. */
function addBenchRoutes(app: Express, logger: Logger, orm: Orm, auditor: AccessAuditor, tokens: TokenService): void {
  app.get('/bench/memory', (_req, res) => {
    // Linux: resident memory split into anonymous (heap, SQLite's page cache) and file-backed (the database's memory map).
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    res.json({ anonymousKb: kb('RssAnon'), fileKb: kb('RssFile'), peakKb: kb('VmHWM') });
  });
  app.get('/bench/customer-360/:id', async (req, res) => {
    try {
      const first = Number(req.query.first ?? firstPage);
      const principal = await authenticate(tokens, orm, { authorization: req.get('authorization') ?? null, apiKey: null });
      if (!principal) throw new TandemError('UNAUTHENTICATED', 'AUTHENTICATION_REQUIRED', 'send a bearer token');
      res.json({ data: { customer: await customer360(orm, auditor, principal, req.params.id, first) } });
    } catch (error) {
      logger.error({ err: error }, 'ceiling route failed');
      res.status(500).json({ errors: [{ message: String(error) }] });
    }
  });
}

/**
 * The ceiling: the agent screen's payload from the same core reads GraphQL resolves it with
 * (customer view, consent, open tasks, timeline page, aids), audited the same way, no GraphQL.
 */
async function customer360(orm: Orm, auditor: AccessAuditor, principal: Principal, id: string, first: number) {
  const em = orm.em.fork() as Em;
  const { scope, argumentationAids } = await viewerProfile(em, principal.party, principal.actingFor);
  const trail = new AccessTrail({ principal: principal.subject, role: principal.role, party: principal.party, actingFor: principal.actingFor, requestId: randomUUID() });
  const [views, consent, tasks, timelines, aids] = await Promise.all([
    loadCustomerViews(em, scope, [id]),
    loadConsentViews(em, scope, [id]),
    loadOpenTaskViews(em, scope, [id]),
    loadTimelines(em, scope, [id], { first }),
    argumentationAids(),
  ]);
  const view = views.get(id);
  if (!view) return null;
  trail.noteCustomerView(view, scope);
  const decisions = consent.get(id) ?? [];
  const openTasks = tasks.get(id) ?? [];
  const page = timelines.get(id) ?? { activities: [], hasNextPage: false };
  trail.noteSourced('consent', decisions);
  trail.noteSourced('tasks', openTasks.map((task) => ({ ...task, sourceParty: task.onBehalfOf ?? task.creator })));
  trail.noteActivities(page.activities, scope);
  auditor.record(trail.drain());
  return { ...view, consent: decisions, openTasks, argumentationAids: aidsForCustomer(aids, view, {}), activities: page };
}
