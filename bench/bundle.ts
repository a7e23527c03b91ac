import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The part of esbuild's API the bench uses (esbuild is tsx's and tsup's dependency, not the root's). */
interface Esbuild {
  readonly version: string;
  readonly build: (options: Record<string, unknown>) => Promise<{ errors: unknown[] }>;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Bundles the child-process entries (ingestor child, memory child) into plain ESM under `<root>/.tmp/`
 * (git-ignored), so the measured processes run on plain `node`: no tsx loader thread, no on-the-fly
 * TypeScript transpiling, no source maps — their RSS and CPU are the ingestor's, not the dev tooling's.
 * Workspace packages are bundled from their TypeScript sources (the `source` condition); ws,
 * home-assistant-js-websocket and @influxdata/influxdb-client stay external (loaded by bench/deps.ts).
 * The bundles sit directly in `<root>/.tmp/` so that deps.ts's `../packages/…` URLs resolve the same.
 * Returns entry name → bundle path, or undefined when esbuild is unavailable (children then run on tsx).
 */
export async function bundleChildren(
  entries: Readonly<Record<string, string>>,
): Promise<Record<string, string> | undefined> {
  let esbuild: Esbuild;
  try {
    const fromRoot = createRequire(new URL('../package.json', import.meta.url));
    esbuild = createRequire(fromRoot.resolve('tsx/package.json'))('esbuild') as Esbuild;
  } catch (error) {
    process.stderr.write(`[bench] esbuild not found (${String(error)}); children run on tsx\n`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const outfile = `${ROOT}.tmp/bench-${name}.mjs`;
    await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['source'],
      logLevel: 'error',
      // CommonJS dependencies inside an ESM bundle need a real `require`.
      banner: {
        js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
      },
    });
    out[name] = outfile;
  }
  return out;
}
