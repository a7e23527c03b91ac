import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `source` export condition,
// so tests (like `tsc`) never need a build first. Only `source` is added to Node's own conditions
// (externalConditions); `import` in the list made Node 20 resolve require('ws') to ws's ESM
// wrapper, which breaks mqtt.js over ws://.
const conditions = ['source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // CPU-bound suites (property-based fuzz, 50,000-entity bounds, heap-growth checks) take 1–2 s alone
          // and over 5 s on a shared, loaded machine; none of them measures time, so a wider timeout only
          // stops load from failing them (a hang still fails).
          testTimeout: 30_000,
          include: [
            'packages/*/src/**/*.test.ts',
            'examples/*/src/**/*.test.ts',
            'bench/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          typecheck: {
            enabled: true,
            tsconfig: './tsconfig.json',
            include: ['packages/*/test/**/*.test-d.ts', 'examples/*/test/**/*.test-d.ts'],
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/test/integration/**/*.test.ts', 'examples/*/test/integration/**/*.test.ts'],
          globalSetup: ['./scripts/vitest-app-build.ts', './scripts/vitest-services.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
