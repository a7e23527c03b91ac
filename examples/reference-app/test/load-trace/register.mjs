// `NODE_OPTIONS=--import=<this file> LOAD_TRACE_FILE=<file> node …`: appends the URL of every module Node's ESM
// loader loads to LOAD_TRACE_FILE, one per line (test/integration/lazy-load.test.ts: what `run` evaluates).
// CommonJS modules required by CommonJS code are not seen (Node 20 runs no hooks for them); a package
// imported from ESM is, by its entry file.
import { register } from 'node:module';

const file = process.env.LOAD_TRACE_FILE;
if (file) register('./hooks.mjs', import.meta.url, { data: { file } });
