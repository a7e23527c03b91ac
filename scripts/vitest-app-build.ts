// Global setup of the `integration` vitest project: the CLI tests spawn the built bin (bin/ha-ingestor.js →
// dist/cli.js), so the reference app is built first when stale (scripts/ensure-app-built.mjs; fast when fresh).
// A clean clone's `npm test` therefore needs no separate build step.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'ensure-app-built.mjs');
  const result = spawnSync(process.execPath, [script], { stdio: ['ignore', 'inherit', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(`the reference app does not build:\n${result.stderr.toString()}`);
  }
}
