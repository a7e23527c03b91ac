import { defineConfig, type Options } from 'tsup';

/**
 * The build every published package shares: ESM and CJS (consumers may be CommonJS apps on Node 20, which cannot
 * require() ESM), declarations, source maps, Node 20 syntax. A package's `tsup.config.ts` adds its entries and
 * what it bundles (`noExternal`: ESM-only dependencies such as p-retry, so the CJS build never require()s them).
 */
export function libraryConfig(options: Options & Required<Pick<Options, 'entry'>>): ReturnType<typeof defineConfig> {
  return defineConfig({
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    ...options,
  });
}

/** ESM-only dependencies bundled into packages that use core's retry helpers. */
export const ESM_ONLY_RETRY = ['p-retry', 'is-network-error'];
