#!/usr/bin/env node
// The built CLI (dist/, made by `npm run build` with tsup): plain Node, no TypeScript loader at run time.
// In a clone, `npm run demo` / `pnpm ingestor` build first when the sources are newer (scripts/ensure-app-built.mjs).
import { existsSync } from 'node:fs';
import { URL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// Issue 14: V8's allocation-site pretenuring, once a burst (start-up, a backfill) has made an allocation site of the
// event path look long-lived, allocates its objects straight into the old generation; from then on they keep young
// event data alive for every scavenge, which promotes it (~1.3 MB per scavenge at 2,000 events/s). Off, the app
// measured ~7 % less steady RSS and ~9 % less CPU per event at 2,000 events/s (medians of 7 alternating pairs;
// bench/README.md, "Event-loop delay").
// The flag is not allowed in NODE_OPTIONS, so it is set here, before the app's code is loaded.
// HA_INGESTOR_V8_DEFAULTS=1 keeps V8's defaults.
if (process.env.HA_INGESTOR_V8_DEFAULTS !== '1') setFlagsFromString('--no-allocation-site-pretenuring');

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write('ha-ingestor: the CLI is not built (dist/cli.js is missing): run `npm run build` first\n');
  process.exitCode = 1;
}
