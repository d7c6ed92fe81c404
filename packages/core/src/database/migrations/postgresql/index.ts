import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122221641 } from './Migration20261122221641.js';
import { Migration20261122224036 } from './Migration20261122224036.js';
import { Migration20261122230439 } from './Migration20261122230439.js';
import { Migration20261122230450 } from './Migration20261122230450.js';
import { Migration20261123004200_rate_limit } from './Migration20261123004200_rate_limit.js';
import { Migration20261123004647 } from './Migration20261123004647.js';
import { Migration20261123033905 } from './Migration20261123033905.js';
import { Migration20261123060000_controller_keys } from './Migration20261123060000_controller_keys.js';
import { Migration20261123064000_source_name_keys } from './Migration20261123064000_source_name_keys.js';
import { Migration20261123110000_reference_version } from './Migration20261123110000_reference_version.js';
import { Migration20261123161000_relay_cursor } from './Migration20261123161000_relay_cursor.js';

export const postgresqlMigrations: MigrationObject[] = [
  { name: 'Migration20261122221641', class: Migration20261122221641 },
  { name: 'Migration20261122224036', class: Migration20261122224036 },
  { name: 'Migration20261122230439', class: Migration20261122230439 },
  { name: 'Migration20261122230450', class: Migration20261122230450 },
  { name: 'Migration20261123004200_rate_limit', class: Migration20261123004200_rate_limit },
  { name: 'Migration20261123004647', class: Migration20261123004647 },
  { name: 'Migration20261123033905', class: Migration20261123033905 },
  { name: 'Migration20261123060000_controller_keys', class: Migration20261123060000_controller_keys },
  { name: 'Migration20261123064000_source_name_keys', class: Migration20261123064000_source_name_keys },
  { name: 'Migration20261123110000_reference_version', class: Migration20261123110000_reference_version },
  { name: 'Migration20261123161000_relay_cursor', class: Migration20261123161000_relay_cursor },
];
