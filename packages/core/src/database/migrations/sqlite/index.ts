import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122215819 } from './Migration20261122215819.js';

export const sqliteMigrations: MigrationObject[] = [
  { name: 'Migration20261122215819', class: Migration20261122215819 },
];
