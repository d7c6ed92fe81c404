/**
 * Kafka for integration tests.
 *
 * By default this runs librdkafka's mock cluster (a real Kafka wire-protocol
 * broker, see tests/kafka/kafka-mock.c) as a child process on random loopback
 * ports, so each test file can have its own cluster.  When KAFKA_BROKERS is
 * set (comma-separated host:port list) the tests use that real Kafka instead.
 *
 * Mock limitations worth knowing (kafkajs 2.2.4 against librdkafka 2.0.2):
 * admin createTopics/deleteTopics/describeGroups etc. are not supported
 * (create topics with `createTopic`, which uses the launcher's control
 * channel), transactions are not meaningful, topics are auto-created with
 * 4 partitions on first use (create them before producing), and each
 * partition only keeps ~5 MiB.
 *
 * TANDEM_REQUIRE_KAFKA=1 (set it in CI) turns "cannot build/start the mock"
 * into a hard error everywhere, including `kafkaUnavailable()`, so Kafka
 * tests are never skipped silently.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';

export interface MockKafkaCluster {
  /** Bootstrap list, e.g. ['127.0.0.1:35887', '127.0.0.1:37079', ...]. */
  readonly brokers: string[];
  /** Creates a topic through the control channel (`create NAME PARTS`). Rejects if it exists. */
  createTopic(name: string, partitions: number): Promise<void>;
  /**
   * Sends one raw control command (`down 2`, `rtt 1 50`, `error 0 6 3`, ...)
   * and resolves with its reply line. Rejects when the reply is `error ...`.
   * Commands are serialised: one in flight at a time.
   */
  command(line: string): Promise<string>;
  /** Closes the control channel and waits for the broker process to exit. */
  stop(): Promise<void>;
}

export interface TestKafka {
  readonly brokers: string[];
  createTopic(name: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

const KAFKA_DIR = fileURLToPath(new URL('../kafka/', import.meta.url));
const SOURCE = join(KAFKA_DIR, 'kafka-mock.c');
const BINARY = join(KAFKA_DIR, 'kafka-mock');
const BUILD_SCRIPT = join(KAFKA_DIR, 'build.sh');

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_TAIL_CHARS = 4_000;

function requireKafka(): boolean {
  const v = process.env.TANDEM_REQUIRE_KAFKA?.trim().toLowerCase();
  return v === '1' || v === 'true';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function needsBuild(): boolean {
  if (!existsSync(BINARY)) return true;
  try {
    return statSync(SOURCE).mtimeMs > statSync(BINARY).mtimeMs;
  } catch {
    return false; // no source next to the binary: use the binary as is
  }
}

let buildVerified = false;
let buildFailure: Error | undefined;

/**
 * Builds tests/kafka/kafka-mock via tests/kafka/build.sh if it is missing
 * (or older than its source). Synchronous; runs the script at most once per
 * process. Throws with the script's output when it fails.
 */
export function ensureMockKafkaBuilt(): string {
  if (buildVerified && existsSync(BINARY)) return BINARY;
  if (buildFailure) throw buildFailure; // don't rerun a failed build per call
  if (needsBuild()) {
    const r = spawnSync('sh', [BUILD_SCRIPT], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.error || r.status !== 0 || !existsSync(BINARY)) {
      const output = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim();
      const why = r.error
        ? errorMessage(r.error)
        : r.status !== 0
          ? `exit code ${r.status ?? `signal ${r.signal}`}`
          : 'binary not produced';
      buildFailure = new Error(
        `could not build the mock Kafka broker (tests/kafka/build.sh: ${why})` +
          (output ? `\n${output}` : ''),
      );
      throw buildFailure;
    }
  }
  buildVerified = true;
  return BINARY;
}

// --- child-process bookkeeping ------------------------------------------------

type MockChild = ChildProcessByStdio<Writable, Readable, Readable>;

const liveChildren = new Set<MockChild>();
let exitHookInstalled = false;

/** Kill every still-running broker when the test process exits. The launcher
 * also exits on stdin EOF and via PR_SET_PDEATHSIG, which cover hard kills. */
function track(child: MockChild): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  liveChildren.add(child);
  const forget = (): void => {
    liveChildren.delete(child);
  };
  child.once('exit', forget);
  child.once('error', forget);
}

interface RefCounted {
  ref?: () => unknown;
  unref?: () => unknown;
}

/** An idle cluster must not keep the event loop alive (a forgotten stop()
 * would otherwise hang the process); while we wait on it, it must. */
function setRef(child: MockChild, on: boolean): void {
  const handles: unknown[] = [child, child.stdin, child.stdout, child.stderr];
  for (const h of handles) {
    const r = h as RefCounted;
    if (on) r.ref?.();
    else r.unref?.();
  }
}

interface PendingReply {
  line: string;
  resolve(reply: string): void;
  reject(err: Error): void;
}

/**
 * Starts a librdkafka mock cluster in a child process.
 *
 * @param opts.brokers    number of brokers (ids 1..N), default 3
 * @param opts.partitions partition count for *auto-created* topics (the
 *                        mock's default is 4); topics made with createTopic
 *                        get the count passed there
 */
export async function startMockKafka(
  opts: { brokers?: number; partitions?: number } = {},
): Promise<MockKafkaCluster> {
  const brokerCount = opts.brokers ?? 3;
  if (!Number.isInteger(brokerCount) || brokerCount < 1) {
    throw new RangeError(`brokers must be a positive integer, got ${brokerCount}`);
  }
  const args = ['-b', String(brokerCount)];
  if (opts.partitions !== undefined) {
    if (!Number.isInteger(opts.partitions) || opts.partitions < 1) {
      throw new RangeError(`partitions must be a positive integer, got ${opts.partitions}`);
    }
    args.push('-p', String(opts.partitions));
  }

  const binary = ensureMockKafkaBuilt();
  const child: MockChild = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);

  let stderrTail = '';
  let stdoutBuf = '';
  let exited = false;
  let exitDescription = '';
  let closed = false; // stop() called: no new commands
  let pending: PendingReply | undefined;
  let onBootstrap: ((line: string) => void) | undefined;
  let onStartFailure: ((err: Error) => void) | undefined;

  const describeExit = (): string =>
    `kafka-mock exited (${exitDescription || 'unknown reason'})` +
    (stderrTail.trim() ? `; stderr:\n${stderrTail.trim()}` : '');

  let resolveExit!: () => void;
  const exitPromise = new Promise<void>((resolve) => {
    resolveExit = resolve;
  });

  const handleExit = (description: string): void => {
    if (exited) return;
    exited = true;
    exitDescription = description;
    resolveExit();
    const err = new Error(describeExit());
    onStartFailure?.(err);
    if (pending) {
      const p = pending;
      pending = undefined;
      p.reject(new Error(`control command '${p.line}' got no reply: ${err.message}`));
    }
  };

  child.on('exit', (code, signal) => {
    handleExit(signal ? `signal ${signal}` : `code ${code}`);
  });
  child.on('error', (err) => {
    handleExit(`spawn/pipe error: ${err.message}`);
  });
  // EPIPE when the child dies mid-write is reported through 'exit'.
  child.stdin.on('error', () => {});

  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
  });

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdoutBuf += chunk;
    let nl: number;
    while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
      const line = stdoutBuf.slice(0, nl).replace(/\r$/, '');
      stdoutBuf = stdoutBuf.slice(nl + 1);
      if (onBootstrap) {
        const cb = onBootstrap;
        onBootstrap = undefined;
        cb(line);
      } else if (pending) {
        const p = pending;
        pending = undefined;
        if (!closed) setRef(child, false);
        p.resolve(line);
      } else {
        // Not expected with the launcher's one-reply-per-command protocol.
        stderrTail = (stderrTail + `[unexpected stdout] ${line}\n`).slice(-STDERR_TAIL_CHARS);
      }
    }
  });

  // --- wait for the bootstrap line ---
  let bootstrapLine: string;
  try {
    bootstrapLine = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`kafka-mock printed no bootstrap list within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      onBootstrap = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
      onStartFailure = (err) => {
        clearTimeout(timer);
        reject(err);
      };
      if (exited) onStartFailure(new Error(describeExit()));
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`could not start the mock Kafka broker: ${errorMessage(err)}`, { cause: err });
  } finally {
    onBootstrap = undefined;
    onStartFailure = undefined;
  }

  const brokers = bootstrapLine
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (brokers.length === 0 || !brokers.every((b) => /^[^\s:]+:\d+$/.test(b))) {
    child.kill('SIGKILL');
    throw new Error(`kafka-mock printed an unexpected bootstrap line: ${JSON.stringify(bootstrapLine)}`);
  }
  setRef(child, false);

  // --- control channel: strictly one command in flight ---
  let queue: Promise<unknown> = Promise.resolve();

  const send = (line: string): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      if (closed) {
        reject(new Error(`mock Kafka cluster is stopped; cannot run '${line}'`));
        return;
      }
      if (exited) {
        reject(new Error(`cannot run '${line}': ${describeExit()}`));
        return;
      }
      pending = { line, resolve, reject };
      setRef(child, true);
      child.stdin.write(`${line}\n`);
    });

  const command = (line: string): Promise<string> => {
    const trimmed = line.trim();
    if (trimmed === '' || /[\r\n]/.test(trimmed)) {
      // The launcher gives no reply to an empty line; multi-line input would
      // desynchronise replies.
      return Promise.reject(new Error(`control command must be one non-empty line: ${JSON.stringify(line)}`));
    }
    const result = queue.then(
      () => send(trimmed),
      () => send(trimmed),
    );
    queue = result.catch(() => {});
    return result.then((reply) => {
      if (reply === 'error' || reply.startsWith('error ')) {
        throw new Error(`kafka-mock command '${trimmed}' failed: ${reply}`);
      }
      return reply;
    });
  };

  let stopPromise: Promise<void> | undefined;

  const cluster: MockKafkaCluster = {
    brokers,
    command,
    async createTopic(name: string, partitions: number): Promise<void> {
      if (!/^[A-Za-z0-9._-]{1,249}$/.test(name)) {
        throw new Error(`invalid Kafka topic name: ${JSON.stringify(name)}`);
      }
      if (!Number.isInteger(partitions) || partitions < 1) {
        throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
      }
      await command(`create ${name} ${partitions}`);
    },
    stop(): Promise<void> {
      stopPromise ??= (async () => {
        closed = true;
        if (exited) return;
        setRef(child, true);
        child.stdin.end();
        const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        try {
          await exitPromise;
        } finally {
          clearTimeout(killTimer);
        }
      })();
      return stopPromise;
    },
  };
  return cluster;
}

// --- test entry point: real Kafka if configured, else the mock -----------------

function externalKafka(brokers: string[]): TestKafka {
  const kafka = new Kafka({
    clientId: 'tandem-tests-admin',
    brokers,
    logLevel: logLevel.NOTHING,
  });
  let adminPromise: Promise<Admin> | undefined;
  const admin = (): Promise<Admin> => {
    adminPromise ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })();
    return adminPromise;
  };
  return {
    brokers,
    async createTopic(name: string, partitions: number): Promise<void> {
      const a = await admin();
      const created = await a.createTopics({
        topics: [{ topic: name, numPartitions: partitions }],
        waitForLeaders: true,
      });
      // Same contract as the mock's `create`: an existing topic is an error.
      if (!created) throw new Error(`topic ${name} already exists on ${brokers.join(',')}`);
    },
    async stop(): Promise<void> {
      const p = adminPromise;
      adminPromise = undefined;
      if (!p) return;
      try {
        await (await p).disconnect();
      } catch {
        // connect failed earlier; nothing to disconnect
      }
    },
  };
}

/**
 * Kafka for a test file. With KAFKA_BROKERS set, uses that cluster (topics
 * via kafkajs admin.createTopics; stop() only disconnects); otherwise starts
 * a 3-broker mock cluster (stop() shuts it down). Throws when the mock cannot
 * be built or started; it never skips.
 */
export async function kafkaForTests(): Promise<TestKafka> {
  const external = process.env.KAFKA_BROKERS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (external && external.length > 0) return externalKafka(external);

  try {
    const mock = await startMockKafka();
    return {
      brokers: mock.brokers,
      createTopic: (name, partitions) => mock.createTopic(name, partitions),
      stop: () => mock.stop(),
    };
  } catch (err) {
    if (requireKafka()) {
      throw new Error(
        `TANDEM_REQUIRE_KAFKA=1 but the mock Kafka broker could not be built/started: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * For `describe.skipIf(mockKafkaUnavailable())`: undefined when the mock
 * broker binary is built (building it if needed), otherwise the reason,
 * which is also printed. With TANDEM_REQUIRE_KAFKA=1 it throws instead, so
 * the tests fail rather than being skipped.
 */
let skipWarned = false;

export function mockKafkaUnavailable(): string | undefined {
  try {
    ensureMockKafkaBuilt();
    return undefined;
  } catch (err) {
    if (requireKafka()) {
      throw new Error(
        `TANDEM_REQUIRE_KAFKA=1 but the mock Kafka broker could not be built: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    const reason = `Kafka integration tests skipped: ${errorMessage(err)}`;
    if (!skipWarned) console.warn(reason);
    skipWarned = true;
    return reason;
  }
}

/** Like mockKafkaUnavailable(), but KAFKA_BROKERS being set counts as available. */
export function kafkaUnavailable(): string | undefined {
  if (process.env.KAFKA_BROKERS?.trim()) return undefined;
  return mockKafkaUnavailable();
}
