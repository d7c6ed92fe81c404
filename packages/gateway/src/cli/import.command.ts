import { basename } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Orm } from '@tandem/core';
import { importExitCode, importFile, importFormats, importKinds, type Bus, type ImportFormat, type ImportKind } from '@tandem/connectors';
import { createProgress, type Progress } from './progress.js';

/** An open hub for one command: the database and the bus chosen by configuration. */
export interface CommandHub {
  readonly orm: Orm;
  readonly bus: Bus;
  /** Closes the bus, then the database. */
  close(): Promise<void>;
}

export interface ImportCommandDeps {
  /** Opens the database and the bus as `serve` and `worker` do; called only when the command runs. */
  readonly openHub: () => Promise<CommandHub>;
  readonly stdout?: NodeJS.WritableStream;
  /** Progress (a bar on a terminal, plain lines otherwise) and notes. */
  readonly stderr?: NodeJS.WriteStream;
}

interface ImportCommandOptions {
  readonly party: string;
  readonly format?: ImportFormat;
  readonly kind: ImportKind;
  readonly mapping?: string;
  readonly rejects?: string;
  readonly delimiter: string;
}

function delimiter(value: string): string {
  const parsed = value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
  if (parsed.length !== 1 || parsed === '"' || parsed === '\n' || parsed === '\r' || parsed.charCodeAt(0) >= 0x80) {
    throw new InvalidArgumentError('must be one ASCII character (\\t or tab for a tab)');
  }
  return parsed;
}

/**
 * `tandem import <file> --party <id>`: a partner's CSV or JSONL export into the hub through the
 * ingest pipeline. Exit code 0 when every row was accepted, 2 when some were rejected (they are in
 * the rejects file), 1 on a fatal error (thrown to the CLI's handler).
 */
export function registerImportCommand(program: Command, deps: ImportCommandDeps): Command {
  return program
    .command('import')
    .description("import a party's contacts or activities from a CSV or JSONL file; rejected rows go to a rejects file")
    .argument('<file>', 'the CSV (with a header row) or JSONL file, UTF-8')
    .requiredOption('--party <id>', 'the party whose records the file holds (national phone numbers are read in its country)')
    .addOption(new Option('--format <format>', 'file format (default: jsonl for .jsonl/.ndjson, else csv)').choices(importFormats))
    .addOption(new Option('--kind <kind>', 'what the rows are').choices(importKinds).default('contacts'))
    .option('--mapping <file>', 'JSON file mapping contract fields to columns (default: columns named like the fields)')
    .option('--rejects <file>', 'where rejected rows are written (default: <file>.rejects.csv)')
    .option('--delimiter <char>', 'CSV field delimiter (\\t for tab)', delimiter, ',')
    .action(async (file: string, options: ImportCommandOptions) => {
      const stdout = deps.stdout ?? process.stdout;
      const stderr = deps.stderr ?? process.stderr;
      const hub = await deps.openHub();
      let progress: Progress | undefined;
      try {
        const result = await importFile({
          orm: hub.orm,
          bus: hub.bus,
          party: options.party,
          file,
          kind: options.kind,
          delimiter: options.delimiter,
          ...(options.format ? { format: options.format } : {}),
          ...(options.mapping ? { mapping: options.mapping } : {}),
          ...(options.rejects ? { rejectsFile: options.rejects } : {}),
          onProgress: ({ bytesRead, totalBytes }) => {
            // Bytes read against the file size: a share of the work without counting rows first.
            progress ??= createProgress(`importing ${basename(file)} (KiB)`, Math.ceil(totalBytes / 1024), stderr);
            progress.update(Math.ceil(bytesRead / 1024));
          },
        });
        progress?.stop();
        progress = undefined;
        if (result.ignoredColumns.length > 0) stderr.write(`columns no field reads (ignored): ${result.ignoredColumns.join(', ')}\n`);
        stdout.write(
          result.rejected === 0
            ? `imported ${result.accepted}, rejected 0\n`
            : `imported ${result.accepted}, rejected ${result.rejected} (see ${result.rejectsFile})\n`,
        );
        process.exitCode = importExitCode(result);
      } finally {
        progress?.stop();
        await hub.close();
      }
    });
}
