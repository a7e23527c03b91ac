import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// scripts/check-app-bundle.mjs runs after every build of the reference app (its `build` script); here it
// runs on small hand-written bundles, one defect each, to show it reports what it must.
const script = join(dirname(fileURLToPath(import.meta.url)), 'check-app-bundle.mjs');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const CLI = [
  "import { WebSocket } from 'ws';",
  "import { readFileSync } from 'node:fs';",
  "import { join } from 'path';",
  "import { helper } from './chunk.js';",
  "export const demo = () => import('./demo.js');",
  'export { WebSocket, readFileSync, join, helper };',
].join('\n');
const CHUNK = "import { z } from 'zod';\nexport const helper = z.string();\n";
const DEMO = "import { Aedes } from 'aedes';\nexport { Aedes };\n";

function check(dependencies: Record<string, string>, files: Record<string, string> = {}) {
  const app = mkdtempSync(join(tmpdir(), 'check-app-bundle-'));
  dirs.push(app);
  mkdirSync(join(app, 'dist'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', dependencies }));
  for (const [name, text] of Object.entries({ 'cli.js': CLI, 'chunk.js': CHUNK, 'demo.js': DEMO, ...files })) {
    writeFileSync(join(app, 'dist', name), text);
  }
  const result = spawnSync(process.execPath, [script, app], { encoding: 'utf8' });
  return { code: result.status, output: result.stderr };
}

const declared = { ws: '^8.18.0', zod: '^4.6.7', aedes: '^1.2.0' };

describe('scripts/check-app-bundle.mjs', () => {
  it('accepts a bundle whose external imports (static, chunked and dynamic) are exactly the dependencies', () => {
    const { code, output } = check(declared);
    expect(output).toContain('ok (3 external packages, all declared: aedes, ws, zod)');
    expect(code).toBe(0);
  });

  it('names an import that is not a declared dependency, and the file that imports it', () => {
    const { code, output } = check({ ws: '^8.18.0', zod: '^4.6.7' });
    expect(code).toBe(1);
    expect(output).toContain('aedes is imported by dist/demo.js but is not in "dependencies" of package.json');
  });

  it('reports a declared dependency the bundle never imports, and a range that is not a registry range', () => {
    const { code, output } = check({ ...declared, 'left-pad': '^1.3.0', ws: 'workspace:*' });
    expect(code).toBe(1);
    expect(output).toContain('dependency left-pad is declared but the bundle never imports it');
    expect(output).toContain('dependency ws has the range "workspace:*"');
  });

  it('refuses a workspace package left external (it must be bundled)', () => {
    const { code, output } = check(
      { ...declared, '@ha-ingestor/core': '^0.1.0' },
      { 'chunk.js': `import '@ha-ingestor/core/json';\n${CHUNK}` },
    );
    expect(code).toBe(1);
    expect(output).toContain('@ha-ingestor/core is imported by dist/chunk.js but must be bundled (noExternal)');
  });

  it('refuses the demo-only broker on the static import graph of the CLI, even through a chunk', () => {
    const { code, output } = check(declared, { 'chunk.js': `import 'aedes';\n${CHUNK}` });
    expect(code).toBe(1);
    expect(output).toContain('aedes is demo-only but is statically imported from cli.js');
  });

  it('refuses mqtt on the static import graph (loaded only when MQTT is configured), and accepts it dynamically', () => {
    const deps = { ...declared, mqtt: '^5.16.0' };
    const lazy = check(deps, { 'demo.js': `${DEMO}export const m = () => import('mqtt');\n` });
    expect(lazy.output).toContain('ok (4 external packages');
    expect(lazy.code).toBe(0);
    const { code, output } = check(deps, { 'chunk.js': `import 'mqtt';\n${CHUNK}` });
    expect(code).toBe(1);
    expect(output).toContain('mqtt is loaded only when configured but is statically imported from cli.js');
  });
});
