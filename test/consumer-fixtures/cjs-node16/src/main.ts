// A CommonJS app (no "type": "module"; "module": "node16", so imports compile to require()) using the packed
// tarballs; the check itself is test/consumer-fixtures/shared/check.ts, copied in by scripts/consumer-fixtures.mjs.
import assert from 'node:assert/strict';
import { checkConsumer } from './check.js';

async function main(): Promise<void> {
  // This file is CommonJS: the packages are loaded through their "require" condition (dist/*.cjs).
  assert.match(require.resolve('@ha-ingestor/core'), /index\.cjs$/);
  // @ha-ingestor/core/testing is ESM-only (vitest cannot be required): require() gets a resolution error.
  assert.throws(() => require.resolve('@ha-ingestor/core/testing'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  await checkConsumer('cjs-node16');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
