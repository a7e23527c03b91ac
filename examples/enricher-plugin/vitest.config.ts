import { defineConfig } from 'vitest/config';

// Its own config, so that `npm test` in a copy of this folder (or in this folder inside the monorepo,
// after `pnpm build`) runs only these tests, against the built @ha-ingestor/core.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'] },
});
