import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);
// graphql ships both .mjs and .js; packages importing it differently would load two copies ("another realm").
const graphqlEntry = require.resolve('graphql', { paths: [new URL('./packages/gateway/', import.meta.url).pathname] });

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30000,
    hookTimeout: 30000,
  },
});
