import { defineConfig } from 'tsup';

// ESM and CJS (consumers may be CommonJS apps on Node 20, which cannot require() ESM), with declarations.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
