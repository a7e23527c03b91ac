import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSink } from '@ha-ingestor/core/file-sink';
import { createTestContext, LP_INJECTION_STATE, makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import {
  createInfluxDatabase,
  influxQuery,
  influxRows,
  isCi,
  requireService,
  uniqueName,
} from '../../../../test-support/services.js';

// Issue 11, line-protocol injection: the file sink's `.lp` file with a hostile state, imported by the real
// `influx -import` (Debian `influxdb-client` 1.6.7), which reads the file line by line and obeys
// `# CONTEXT-DATABASE:` lines. Exactly the expected points arrive, in the header's database only.

const run = promisify(execFile);
const influxCli = findOnPath('influx');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ha-lp-injection-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('influx -import of a file sink .lp file with a hostile state', () => {
  it('imports exactly the expected points into the header database; no injected point, no other database written', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    if (influxCli === undefined) {
      const message = 'influx CLI (Debian influxdb-client) not installed: influx -import test skipped';
      if (isCi()) throw new Error(message);
      console.warn(message);
      ctx.skip(message);
      return;
    }
    const db = uniqueName('lp_inject');
    const decoy = uniqueName('lp_decoy'); // exists, so an injected switch to it would be written and seen
    await createInfluxDatabase(url, db);
    await createInfluxDatabase(url, decoy);
    const decoyState = `y"\n# CONTEXT-DATABASE: ${decoy}\nevil_measure,host=pwn value=2 2\n`;
    const events = [
      makeStateChanged({ entity_id: 'sensor.hostile', state: LP_INJECTION_STATE, last_updated: TEST_EVENT_TIME + 1 }),
      makeStateChanged({ entity_id: 'sensor.decoy', state: decoyState, last_updated: TEST_EVENT_TIME + 2 }),
      makeStateChanged({ entity_id: 'sensor.kitchen_temp', state: '21.5', last_updated: TEST_EVENT_TIME + 3 }),
    ];
    const sub = await mkdtemp(join(dir, 'lp-'));
    const sink = fileSink({ dir: sub, format: 'lp', database: db });
    expect(await sink.write(events, createTestContext())).toBeUndefined();
    await sink.close?.();
    const [file] = (await readdir(sub)).filter((f) => f.endsWith('.lp'));

    const { hostname, port } = new URL(url);
    const { stdout, stderr } = await run(
      influxCli,
      [
        '-host',
        hostname,
        '-port',
        port,
        '-import',
        '-path',
        join(sub, file ?? expect.fail('no .lp file')),
        '-precision',
        'u',
      ],
      {
        timeout: 30_000,
      },
    );
    expect(`${stdout}${stderr}`).toMatch(/Processed 3 inserts/);
    expect(`${stdout}${stderr}`).toMatch(/Failed 0 inserts/);

    const rows = await influxRows(url, db, 'SELECT * FROM /.*/ ORDER BY time');
    // InfluxDB 1.x unescapes only \" and \\ in strings: a LF written as `\n` is stored as those two characters.
    const stored = (state: string) => state.replaceAll('\n', '\\n');
    expect(rows.map((r) => [r['_measurement'], r['time'], r['entity_id'], r['state']])).toEqual([
      ['sensor', TEST_EVENT_TIME + 1, 'sensor.hostile', stored(LP_INJECTION_STATE)],
      ['sensor', TEST_EVENT_TIME + 2, 'sensor.decoy', stored(decoyState)],
      ['sensor', TEST_EVENT_TIME + 3, 'sensor.kitchen_temp', '21.5'],
    ]);
    expect(await influxQuery(url, db, 'SHOW MEASUREMENTS')).toEqual([
      expect.objectContaining({ values: [['sensor']] }),
    ]);
    expect(await influxQuery(url, decoy, 'SHOW MEASUREMENTS')).toEqual([]);
    const databases = (await influxQuery(url, '', 'SHOW DATABASES')).flatMap((s) => s.values.map((v) => v[0]));
    expect(databases).not.toContain('_internal');
  });
});

// --- internal ---

function findOnPath(name: string): string | undefined {
  for (const d of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(d, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
