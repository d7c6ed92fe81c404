import cluster, { type Worker } from 'node:cluster';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import { dialectOf, hearCustomerChanges, relayCustomerChanges, type Orm } from '@tandem/core';

/**
 * What a child process of `tandem serve` does: `http` serves the API on the shared port, `engine`
 * runs the sync engine (ingest consumers, relay, webhook deliveries, log retention).
 */
export type ChildRole = 'http' | 'engine';

const roleVariable = 'TANDEM_PROCESS_ROLE';
const channel = 'tandem:process-group';

type GroupMessage =
  | { readonly channel: typeof channel; readonly kind: 'customers-changed'; readonly ids: readonly string[] }
  | { readonly channel: typeof channel; readonly kind: 'ready' };

function isGroupMessage(message: unknown): message is GroupMessage {
  return typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === channel;
}

/** This process's role when the primary of a process group started it; undefined in any other process. */
export function childRole(): ChildRole | undefined {
  if (!cluster.isWorker) return undefined;
  const role = process.env[roleVariable];
  if (role !== 'http' && role !== 'engine') throw new Error(`${roleVariable} must be http or engine in a child of tandem serve, got ${JSON.stringify(role)}`);
  return role;
}

export interface ProcessGroupOptions {
  /** HTTP processes sharing the port. */
  readonly httpProcesses: number;
  /** Whether one engine process runs the sync engine. */
  readonly engine: boolean;
  /** The hub's database: on SQLite, changed customers are announced to the other processes through the primary. */
  readonly orm: Orm;
  readonly logger: Logger;
}

interface Member {
  readonly role: ChildRole;
  worker: Worker;
  /** Settles when the child listens (http) or runs (engine); rejects if it exits first. */
  ready: Promise<void>;
  /** Whether the child ever got ready: one that fails while starting is not started again. */
  started: boolean;
}

/** How long a child gets to finish after SIGTERM before it is killed. */
const STOP_GRACE_MS = 30_000;
/** A child that exits on its own is started again after this, doubling while it keeps failing within a minute. */
const RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The primary of `tandem serve` with several HTTP processes: it forks them (they share the port;
 * node:cluster hands each connection to one of them) and, when the sync engine runs here, one
 * engine process beside them, so no request waits behind a batch being applied. It counts the
 * HTTP processes' rate limits (one budget per caller however many processes answer), passes news
 * of changed customers between processes on SQLite (on PostgreSQL NOTIFY reaches them), starts a
 * child that died again, and stops the HTTP processes first (drained), then the engine.
 */
export class ProcessGroup {
  readonly #options: ProcessGroupOptions;
  readonly #members: Member[] = [];
  #stopping = false;
  #stopRelay: (() => void) | undefined;
  #port: number | undefined;
  /** When children exited unexpectedly in the last minute: the restart delay doubles with each. */
  #exits: number[] = [];

  private constructor(options: ProcessGroupOptions) {
    this.#options = options;
  }

  /** Forks the children and resolves once every HTTP process listens and the engine runs. */
  static async start(options: ProcessGroupOptions): Promise<ProcessGroup> {
    if (!cluster.isPrimary) throw new Error('a process group is started by the primary process');
    const group = new ProcessGroup(options);
    new RateLimiterClusterMaster();
    cluster.on('message', (worker, message: unknown) => group.#onMessage(worker, message));
    cluster.on('exit', (worker, code, signal) => void group.#onExit(worker, code, signal));
    cluster.on('listening', (_worker, address) => {
      group.#port ??= address.port;
    });
    if (dialectOf(options.orm) === 'sqlite') group.#stopRelay = relayCustomerChanges(options.orm, (ids) => group.#broadcast(ids, undefined));
    if (options.engine) group.#fork('engine');
    for (let index = 0; index < options.httpProcesses; index++) group.#fork('http');
    try {
      await Promise.all(group.#members.map((member) => member.ready));
    } catch (error) {
      await group.stop();
      throw error;
    }
    return group;
  }

  /** The port the HTTP processes listen on (the one they were given, or the one the system chose for port 0). */
  get port(): number | undefined {
    return this.#port;
  }

  /** Stops the HTTP processes (each drains its requests and subscriptions), then the engine. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#members.filter((member) => member.role === 'http').map((member) => stopWorker(member.worker)));
    await Promise.all(this.#members.filter((member) => member.role === 'engine').map((member) => stopWorker(member.worker)));
    this.#stopRelay?.();
  }

  /** Starts a child of `role`, or in place of `member`'s child that exited. */
  #fork(role: ChildRole, member?: Member): void {
    const worker = cluster.fork({ [roleVariable]: role });
    const ready = new Promise<void>((resolve, reject) => {
      const failed = (code: number | null, signal: string | null) => reject(new Error(`the ${role} process exited with ${signal ?? `code ${code}`} while starting`));
      worker.once('exit', failed);
      const started = () => {
        worker.off('exit', failed);
        const current = this.#members.find((candidate) => candidate.worker === worker);
        if (current) current.started = true;
        resolve();
      };
      if (role === 'http') worker.once('listening', started);
      else worker.on('message', (message: unknown) => isGroupMessage(message) && message.kind === 'ready' && started());
    });
    // Handled here as well: a child that fails while the others start (or are stopped meanwhile) must not go unhandled.
    ready.catch(() => undefined);
    if (member) {
      member.worker = worker;
      member.ready = ready;
      // A replacement that fails to start exits, and its exit is handled like any other.
      void ready.then(
        () => this.#options.logger.info({ role, childPid: worker.process.pid }, `the ${role} process runs again`),
        () => undefined,
      );
    } else {
      this.#members.push({ role, worker, ready, started: false });
    }
  }

  #onMessage(worker: Worker, message: unknown): void {
    if (isGroupMessage(message) && message.kind === 'customers-changed') {
      hearCustomerChanges(this.#options.orm, message.ids);
      this.#broadcast(message.ids, worker);
    }
  }

  /** News of changed customers to every HTTP process but the one it came from. */
  #broadcast(ids: readonly string[], from: Worker | undefined): void {
    const message: GroupMessage = { channel, kind: 'customers-changed', ids };
    for (const member of this.#members) {
      if (member.role === 'http' && member.worker !== from && member.worker.isConnected()) member.worker.send(message);
    }
  }

  async #onExit(worker: Worker, code: number | null, signal: string | null): Promise<void> {
    const member = this.#members.find((candidate) => candidate.worker === worker);
    if (!member?.started || this.#stopping) return;
    // Code 0: it was told to stop (a signal to the whole process group, Ctrl-C), not a crash.
    if (code === 0) {
      this.#options.logger.info({ role: member.role, childPid: worker.process.pid }, `the ${member.role} process stopped`);
      return;
    }
    const now = Date.now();
    this.#exits = [...this.#exits.filter((at) => now - at < 60_000), now];
    const delay = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** (this.#exits.length - 1));
    this.#options.logger.error({ role: member.role, childPid: worker.process.pid, code, signal, restartInMs: delay }, `the ${member.role} process exited unexpectedly; starting another`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (!this.#stopping) this.#fork(member.role, member);
  }
}

/** SIGTERM, then SIGKILL if the process has not exited after the grace period. */
async function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.process.kill('SIGTERM');
  const timer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * A child's side of the group: on SQLite, changed customers announced here go to the primary
 * (for the other processes) and news from the primary reaches this process's subscribers.
 * `ready()` tells the primary an engine process runs (HTTP processes are ready when they listen).
 */
export function joinProcessGroup(orm: Orm): { ready(): void; leave(): void } {
  const onMessage = (message: unknown) => {
    if (isGroupMessage(message) && message.kind === 'customers-changed') hearCustomerChanges(orm, message.ids);
  };
  const stopRelay =
    dialectOf(orm) === 'sqlite'
      ? relayCustomerChanges(orm, (ids) => {
          if (process.connected) process.send!({ channel, kind: 'customers-changed', ids } satisfies GroupMessage);
        })
      : undefined;
  process.on('message', onMessage);
  return {
    ready: () => process.send!({ channel, kind: 'ready' } satisfies GroupMessage),
    leave: () => {
      stopRelay?.();
      process.off('message', onMessage);
    },
  };
}
