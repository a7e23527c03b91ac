// An ESM app ("type": "module", "module": "nodenext") using the packed tarballs; the check itself is
// test/consumer-fixtures/shared/check.ts, copied in by scripts/consumer-fixtures.mjs.
import { checkConsumer } from './check.js';

await checkConsumer('esm-nodenext');
