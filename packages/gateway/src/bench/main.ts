/**
 * `pnpm bench <scenario> [--json] [options]`: prints one JSON line of measurements (and progress
 * on stderr unless --json). Benchmarks measure; tests never assert timings.
 */
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

await program.parseAsync();
process.exit(0);
