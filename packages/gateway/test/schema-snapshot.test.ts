import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSortedSchema } from '../src/graphql/schema.js';

describe('schema.graphql', () => {
  it('is the committed, sorted SDL of the current schema', () => {
    const committed = readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8');
    expect(committed, 'schema.graphql is stale: run `pnpm tandem schema --write schema.graphql` and commit it').toBe(printSortedSchema());
  });
});
