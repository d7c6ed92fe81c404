/**
 * `pnpm bench <scenario> [--json] [options]`: prints one JSON line of measurements (and progress
 * on stderr unless --json). Benchmarks measure; tests never assert timings.
 */
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';

const program = new Command('bench').description('Tandem benchmarks: each prints one JSON line');

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a whole number > 0');
  return parsed;
}

function nonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return parsed;
}

const print = (result: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(result)}\n`);

program
  .command('sync')
  .description('events/s through the whole pipeline and end-to-end latency at a steady rate')
  .addOption(new Option('--mode <mode>', 'bus adapter').choices(['embedded', 'kafka']).default('embedded'))
  .option('--events <n>', 'events in the throughput run', positiveInt, 20_000)
  .option('--rate <n>', 'events/s in the latency run', positiveInt, 2_000)
  .option('--seconds <n>', 'length of the latency run', positiveInt, 10)
  .option('--json', 'only the JSON line')
  .action(async (options: { mode: 'embedded' | 'kafka'; events: number; rate: number; seconds: number; json?: boolean }) => {
    const json = Boolean(options.json);
    const { syncBench } = await import('./sync.bench.js');
    if (options.mode === 'embedded') {
      print(await syncBench({ mode: 'embedded', events: options.events, steadyRate: options.rate, steadySeconds: options.seconds, json }));
      return;
    }
    const { kafkaForTests } = await import('../../../../tests/support/kafka-broker.js');
    const kafka = await kafkaForTests();
    try {
      const topicAdmin = { ensureTopics: async (specs: readonly { name: string; partitions: number }[]) => {
        for (const spec of specs) await kafka.createTopic(spec.name, spec.partitions).catch(() => undefined);
      } };
      print(await syncBench({ mode: 'kafka', events: options.events, steadyRate: options.rate, steadySeconds: options.seconds, json, kafka: { brokers: kafka.brokers, topicAdmin } }));
    } finally {
      await kafka.stop();
    }
  });

program
  .command('import')
  .description('rows/s of a streaming CSV import and its memory')
  .option('--rows <n>', 'rows in the generated CSV', positiveInt, 1_000_000)
  .option('--threads <n>', 'validation threads (0: the main thread; default: the import chooses)', nonNegativeInt)
  .option('--json', 'only the JSON line')
  .action(async (options: { rows: number; threads?: number; json?: boolean }) => {
    const { importBench } = await import('./import.bench.js');
    print(await importBench({ rows: options.rows, json: Boolean(options.json), ...(options.threads === undefined ? {} : { threads: options.threads }) }));
  });

program
  .command('graphql')
  .description('customer-360 reads/s and latency over GraphQL on a world of a million customers, against a bare express route as ceiling')
  .option('--customers <n>', 'customers in the seeded world (built once, kept in .bench/)', positiveInt, 1_000_000)
  .option('--connections <n>', 'concurrent HTTP connections', positiveInt, 50)
  .option('--seconds <n>', 'length of each measured run', positiveInt, 30)
  .option('--processes <n>', 'HTTP processes serving the API (TANDEM_HTTP_PROCESSES)', positiveInt, availableParallelism())
  .option('--cpu-prof <dir>', 'write a V8 CPU profile of each server process into this folder')
  .option('--json', 'only the JSON line')
  .action(async (options: { customers: number; connections: number; seconds: number; processes: number; cpuProf?: string; json?: boolean }) => {
    const { graphqlBench } = await import('./graphql.bench.js');
    print(
      await graphqlBench({
        customers: options.customers,
        connections: options.connections,
        seconds: options.seconds,
        processes: options.processes,
        json: Boolean(options.json),
        cpuProfileDir: options.cpuProf,
      }),
    );
  });

program
  .command('export')
  .description("a full customer export over HTTP: customers/s and the server's memory while it streams")
  .option('--customers <n>', 'customers in the seeded world (the graphql bench world of that size)', positiveInt, 1_000_000)
  .option('--json', 'only the JSON line')
  .action(async (options: { customers: number; json?: boolean }) => {
    const { exportBench } = await import('./export.bench.js');
    print(await exportBench({ customers: options.customers, json: Boolean(options.json) }));
  });

// The partners' side of `bench sync --mode kafka`, started by it in a child process.
program
  .command('sync-partner', { hidden: true })
  .requiredOption('--brokers <list>', 'comma-separated Kafka brokers')
  .requiredOption('--run <json>', 'the SteadyRun')
  .action(async (options: { brokers: string; run: string }) => {
    const { serveSyncPartner } = await import('./sync.bench.js');
    await serveSyncPartner(options.brokers.split(','), JSON.parse(options.run) as import('./sync.bench.js').SteadyRun);
  });

// The server side of `bench graphql`, started by it in a child process.
program
  .command('graphql-server', { hidden: true })
  .requiredOption('--database <path>', 'the built world (SQLite file)')
  .requiredOption('--processes <n>', 'HTTP processes', positiveInt)
  .action(async (options: { database: string; processes: number }) => {
    const { serveBenchGateway } = await import('./graphql.bench.js');
    await serveBenchGateway(options.database, options.processes);
  });

await program.parseAsync();
process.exit(0);
