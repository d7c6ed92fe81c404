/**
 * Generates the next migration for both dialects from the entity model and updates each
 * dialect's index. Needs a PostgreSQL server (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 *   pnpm exec tsx packages/core/scripts/create-migration.ts
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openOrm } from '../src/database/orm.js';
import type { Dialect } from '../src/database/database-url.js';

const migrationsRoot = fileURLToPath(new URL('../src/database/migrations/', import.meta.url));
const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function generate(dialect: Dialect, databaseUrl: string): Promise<void> {
  const orm = await openOrm({ databaseUrl });
  try {
    await orm.getMigrator().up();
    const folder = join(migrationsRoot, dialect);
    const result = await orm.getMigrator().createMigration(folder);
    console.log(result.fileName ? `${dialect}: ${result.fileName}` : `${dialect}: no changes`);
    writeIndex(dialect, folder);
  } finally {
    await orm.close(true);
  }
}

function writeIndex(dialect: Dialect, folder: string): void {
  const names = readdirSync(folder)
    .filter((file) => /^Migration\d+.*\.ts$/.test(file))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
  const lines = [
    "import type { MigrationObject } from '@mikro-orm/core';",
    ...names.map((name) => `import { ${name} } from './${name}.js';`),
    '',
    `export const ${dialect}Migrations: MigrationObject[] = [`,
    ...names.map((name) => `  { name: '${name}', class: ${name} },`),
    '];',
    '',
  ];
  writeFileSync(join(folder, 'index.ts'), lines.join('\n'));
}

const scratch = `tandem_migration_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${scratch}`);
try {
  await generate('sqlite', 'file::memory:');
  const url = new URL(adminUrl);
  url.pathname = `/${scratch}`;
  await generate('postgresql', url.toString());
} finally {
  await admin.query(`drop database if exists ${scratch} with (force)`);
  await admin.end();
}
