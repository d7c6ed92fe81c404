import { InvalidArgumentError, type Command } from 'commander';
import { getDeadLetter, listDeadLetters, registerWebhookEndpoint, rotateInboundSecret, type DeadLetterRow, type Em } from '@tandem/core';
import { backfillParty, pruneLog, replayDeadLetter } from '@tandem/connectors';
import type { CommandHub } from './import.command.js';
import { createProgress } from './progress.js';

export interface OperationsCommandDeps {
  readonly openHub: () => Promise<CommandHub>;
  readonly stdout?: NodeJS.WritableStream;
}

function pageSize(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 500) throw new InvalidArgumentError('must be a whole number from 1 to 500');
  return parsed;
}

/** Runs `work` on an open hub and closes it whatever happens. */
async function withHub<T>(deps: OperationsCommandDeps, work: (hub: CommandHub) => Promise<T>): Promise<T> {
  const hub = await deps.openHub();
  try {
    return await work(hub);
  } finally {
    await hub.close();
  }
}

function summary(letter: DeadLetterRow): Record<string, unknown> {
  return {
    id: letter.id,
    createdAt: letter.createdAt.toISOString(),
    party: letter.party,
    source: letter.source,
    errorCode: letter.errorCode,
    errorMessage: letter.errorMessage,
    replayedAt: letter.replayedAt?.toISOString() ?? null,
  };
}

function days(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('must be a whole number of days, 0 or more');
  return parsed;
}

/** Operator commands: dead letters, backfill of a newly granted party, webhook endpoints, log retention. */
export function registerOperationsCommands(program: Command, deps: OperationsCommandDeps): void {
  const out = (line: string) => (deps.stdout ?? process.stdout).write(`${line}\n`);

  const dlq = program.command('dlq').description('dead letters: what could not be decoded or applied, with the original bytes');
  dlq
    .command('list')
    .description('newest first, one JSON object per line')
    .option('--party <id>', 'only this party')
    .option('--pending', 'only letters not yet replayed')
    .option('--limit <n>', 'how many', pageSize, 50)
    .option('--after <id>', 'continue after this id (from the previous page)')
    .action((options: { party?: string; pending?: boolean; limit: number; after?: string }) =>
      withHub(deps, async ({ orm }) => {
        const page = await listDeadLetters(orm.em.fork() as Em, {
          limit: options.limit,
          ...(options.party ? { party: options.party } : {}),
          ...(options.after ? { after: options.after } : {}),
          ...(options.pending ? { pending: true } : {}),
        });
        for (const letter of page.items) out(JSON.stringify(summary(letter)));
        if (page.hasNextPage) out(`# more: --after ${page.items.at(-1)?.id}`);
      }),
    );
  dlq
    .command('show <id>')
    .description('one dead letter with its field issues and original bytes (as UTF-8 where possible)')
    .action((id: string) =>
      withHub(deps, async ({ orm }) => {
        const letter = await getDeadLetter(orm.em.fork() as Em, id);
        const bytes = Buffer.from(letter.originalBytes);
        out(JSON.stringify({ ...summary(letter), issues: letter.issues, original: bytes.toString('utf8'), originalBase64: bytes.toString('base64') }, null, 2));
      }),
    );
  dlq
    .command('replay <id>')
    .description('publish the original bytes again to where they came from (after the cause was fixed)')
    .action((id: string) =>
      withHub(deps, async ({ orm, bus }) => {
        const letter = await replayDeadLetter(orm, bus, id);
        out(`replayed ${letter.id} to its source`);
      }),
    );

  program
    .command('backfill')
    .description('send a newly granted party everything its agreements now grant it, through its outbound topic')
    .requiredOption('--party <id>', 'the receiving party')
    .option('--grantor <id>', "only this grantor's data")
    .action((options: { party: string; grantor?: string }) =>
      withHub(deps, async ({ orm }) => {
        const progress = createProgress(`backfilling ${options.party}`, 0);
        const result = await backfillParty({
          orm,
          recipient: options.party,
          ...(options.grantor ? { grantor: options.grantor } : {}),
          onProgress: ({ customers }) => progress.update(customers),
        });
        progress.stop();
        out(JSON.stringify(result));
      }),
    );

  program
    .command('log')
    .description("the hub's log (outbox table)")
    .command('prune')
    .description('delete rows older than --days that every consumer group of their topic has read (embedded) or the relay published (Kafka)')
    .requiredOption('--days <n>', 'keep this many days (0: everything that is read or published may go)', days)
    .action((options: { days: number }) =>
      withHub(deps, async ({ orm }) => {
        const before = new Date(Date.now() - options.days * 86_400_000);
        const deleted = await pruneLog(orm.em.fork() as Em, { before });
        out(JSON.stringify({ deleted, before: before.toISOString() }));
      }),
    );

  const webhook = program.command('webhook').description("a party's webhook endpoint: inbound signing secret and outbound delivery URL");
  webhook
    .command('register')
    .description('create or update the endpoint; prints the secrets (store them at the partner)')
    .requiredOption('--party <id>', 'the partner party')
    .option('--url <url>', 'where outbound events are delivered (omit for inbound only)')
    .action((options: { party: string; url?: string }) =>
      withHub(deps, async ({ orm }) => {
        const endpoint = await registerWebhookEndpoint(orm.em.fork() as Em, { party: options.party, ...(options.url ? { outboundUrl: options.url } : {}) });
        out(JSON.stringify({ party: endpoint.party, inboundSecret: endpoint.inboundSecret, outboundUrl: endpoint.outboundUrl, outboundSecret: endpoint.outboundSecret }, null, 2));
      }),
    );
  webhook
    .command('rotate-secret')
    .description('issue a new inbound signing secret; the previous one stays valid for 24 h')
    .requiredOption('--party <id>', 'the partner party')
    .action((options: { party: string }) =>
      withHub(deps, async ({ orm }) => {
        const endpoint = await rotateInboundSecret(orm.em.fork() as Em, options.party);
        out(JSON.stringify({ party: endpoint.party, inboundSecret: endpoint.inboundSecret }, null, 2));
      }),
    );
}
