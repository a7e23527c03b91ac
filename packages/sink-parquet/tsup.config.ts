import { defineConfig } from 'tsup';

// ESM and CJS (consumers may be CommonJS apps on Node 20, which cannot require() ESM), with declarations.
// hyparquet-writer (and its hyparquet dependency) ship ESM only, so they are bundled: the CJS build then
// never require()s them.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  noExternal: ['hyparquet-writer', 'hyparquet'],
});
