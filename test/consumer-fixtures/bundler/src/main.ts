// A bundler-resolution app ("moduleResolution": "bundler", "type": "module") using the packed tarballs; the
// check itself is test/consumer-fixtures/shared/check.ts, copied in by scripts/consumer-fixtures.mjs.
import { checkConsumer } from './check.js';

await checkConsumer('bundler');
