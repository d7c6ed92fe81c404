import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSortedSchema, printSubgraphSdl } from '../src/graphql/schema.js';

describe('schema.graphql', () => {
  it('is the committed, sorted SDL of the current schema', () => {
    const committed = readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8');
    expect(committed, 'schema.graphql is stale: run `pnpm tandem schema --write schema.graphql` and commit it').toBe(printSortedSchema());
  });

  it('carries nothing of federation: no _entities, _service, @key or @link', () => {
    expect(printSortedSchema()).not.toMatch(/_entities|_service|_Any|_Entity|@key|@link/);
  });
});

describe('schema.subgraph.graphql', () => {
  it('is the committed subgraph SDL of the current schema', () => {
    const committed = readFileSync(new URL('../../../schema.subgraph.graphql', import.meta.url), 'utf8');
    expect(committed, 'schema.subgraph.graphql is stale: run `pnpm tandem schema --subgraph --write schema.subgraph.graphql` and commit it').toBe(printSubgraphSdl());
  });

  it('declares Customer and Party as entities keyed by their hub id, under Federation v2', () => {
    const sdl = printSubgraphSdl();
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    expect(sdl).toMatch(/type Customer implements Node\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Party implements Node\s+@key\(fields: "id"\)/);
  });
});
