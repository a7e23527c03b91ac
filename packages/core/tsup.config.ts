import { defineConfig } from 'tsup';

// ESM and CJS (consumers may be CommonJS apps on Node 20, which cannot require() ESM), with declarations.
// ESM-only dependencies (p-retry) are bundled so that the CJS build never require()s them.
// Every subpath is its own entry; `splitting` shares their modules in both formats, so `SdkError` (and every
// other class) is one class whether it is imported from the root or from a subpath.
export default defineConfig({
  entry: [
    'src/index.ts',
    ...['testing', 'resilience', 'stages', 'json', 'line-protocol', 'file-sink'].map(
      (subpath) => `src/${subpath}/index.ts`,
    ),
  ],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  noExternal: ['p-retry', 'is-network-error'],
});
