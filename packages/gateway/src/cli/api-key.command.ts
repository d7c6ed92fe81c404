import { InvalidArgumentError, type Command } from 'commander';
import type { Em, Orm } from '@tandem/core';
import { apiKeyScopes, issueApiKey, listApiKeys, revokeApiKey, type ApiKeyInfo, type ApiKeyScope } from '@tandem/core';

export interface ApiKeyCommandDeps {
  /** Opens the hub's database; called only when a subcommand runs, closed when it ends. */
  readonly openHub: () => Promise<{ readonly orm: Orm; close(): Promise<void> }>;
  readonly stdout?: NodeJS.WritableStream;
  /** Notes for the operator (not the key itself). */
  readonly stderr?: NodeJS.WritableStream;
}

function scopeList(value: string): ApiKeyScope[] {
  const scopes = value.split(',').map((scope) => scope.trim()).filter(Boolean);
  const unknown = scopes.filter((scope) => !(apiKeyScopes as readonly string[]).includes(scope));
  if (scopes.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`must be a comma-separated list of ${apiKeyScopes.join(', ')}`);
  return scopes as ApiKeyScope[];
}

/**
 * `tandem api-key issue|list|revoke`: connectors' API keys. `issue` prints the key once, alone on
 * stdout so scripts can capture it (notes go to stderr); the hub keeps only its hash.
 */
export function registerApiKeyCommand(program: Command, deps: ApiKeyCommandDeps): Command {
  const write = (text: string) => (deps.stdout ?? process.stdout).write(text);
  const note = (text: string) => (deps.stderr ?? process.stderr).write(text);
  const withDatabase = async (work: (em: Em) => Promise<void>) => {
    const hub = await deps.openHub();
    try {
      await work(hub.orm.em.fork() as Em);
    } finally {
      await hub.close();
    }
  };

  const command = program.command('api-key').description("manage connectors' API keys (scoped to one party; stored hashed; revocable)");
  command
    .command('issue')
    .description('issue a key for a party and print it once')
    .requiredOption('--party <id>', 'the party the key acts for')
    .requiredOption('--scopes <list>', `comma-separated: ${apiKeyScopes.join(', ')}`, scopeList)
    .option('--acting-for <client>', "an interaction center's key: the client it acts for (required to read or write)")
    .option('--label <text>', 'who or what uses the key, e.g. dms-sync')
    .action((options: { party: string; scopes: ApiKeyScope[]; actingFor?: string; label?: string }) =>
      withDatabase(async (em) => {
        const issued = await issueApiKey(em, {
          party: options.party,
          scopes: options.scopes,
          ...(options.actingFor ? { actingFor: options.actingFor } : {}),
          ...(options.label ? { label: options.label } : {}),
        });
        write(`${issued.key}\n`);
        const client = issued.actingFor ? ` acting for ${issued.actingFor}` : '';
        note(`issued API key ${issued.id} for ${issued.party}${client} (scopes ${issued.scopes.join(',')}): store it now, it is not shown again\n`);
      }),
    );
  command
    .command('list')
    .description("list a party's keys (never the secrets)")
    .requiredOption('--party <id>', 'the party')
    .action((options: { party: string }) =>
      withDatabase(async (em) => {
        const keys = await listApiKeys(em, options.party);
        write(keys.length === 0 ? `no API keys for ${options.party}\n` : `${keys.map(describe).join('\n')}\n`);
      }),
    );
  command
    .command('revoke')
    .description('revoke a key: it authenticates nothing from now on')
    .argument('<id>', 'the key id (from issue or list)')
    .action((id: string) =>
      withDatabase(async (em) => {
        write(`revoked ${describe(await revokeApiKey(em, id))}\n`);
      }),
    );
  return command;
}

function describe(key: ApiKeyInfo): string {
  const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
  return `${key.id}  tdm_${key.prefix}_…  ${key.scopes.join(',')}  ${key.actingFor ? `for ${key.actingFor}` : '-'}  ${key.label ?? '-'}  created ${key.createdAt.toISOString()}  ${state}`;
}
