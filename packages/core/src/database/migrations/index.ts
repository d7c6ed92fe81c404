import type { MigrationObject } from '@mikro-orm/core';
import type { Dialect } from '../database-url.js';
import { sqliteMigrations } from './sqlite/index.js';
import { postgresqlMigrations } from './postgresql/index.js';

export function migrationsFor(dialect: Dialect): MigrationObject[] {
  return dialect === 'sqlite' ? sqliteMigrations : postgresqlMigrations;
}
