import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli-args.js';
import { resolveConfig } from './config.js';
import { formatStatisticsResult } from './import-statistics.js';

describe('import-statistics command line', () => {
  it('parses --since, --ids globs and the --dry-run / --json flags (no value)', () => {
    expect(
      parseArgs([
        'import-statistics',
        '--dry-run',
        '--since',
        '2024-01-01T00:00:00Z',
        '--ids',
        'sensor.*, tibber:*',
        '--json',
      ]),
    ).toEqual({
      command: 'import-statistics',
      since: '2024-01-01T00:00:00Z',
      ids: ['sensor.*', 'tibber:*'],
      dryRun: true,
      json: true,
    });
    expect(parseArgs(['import-statistics'])).toEqual({ command: 'import-statistics' });
  });

  it('refuses a value on a flag and the statistics options on other commands', () => {
    expect(() => parseArgs(['import-statistics', '--dry-run=yes'])).toThrow('--dry-run takes no value');
    expect(() => parseArgs(['run', '--json'])).toThrow('--json is an option of export and import-statistics');
    expect(() => parseArgs(['import-statistics', '--since'])).toThrow('--since needs a value');
  });

  it('formats the summary as text or one JSON object', () => {
    const dry = { dryRun: true, statistics: 3, rows: 120, rejected: 1 };
    expect(formatStatisticsResult(dry, false)).toMatch(
      /^dry run: nothing written\n {2}statistics +3\n {2}rows +120 \(would be written\)/,
    );
    expect(JSON.parse(formatStatisticsResult(dry, true))).toEqual({ type: 'summary', ...dry });
  });
});

describe('statistics config', () => {
  it('reads STATISTICS_SYNC, STATISTICS_SYNC_WINDOW_HOURS and STATISTICS_POLL_MINUTES with defaults 48 h and 5 min', () => {
    expect(resolveConfig({}, {}).statistics).toEqual({ sync: false, syncWindowHours: 48, pollMinutes: 5 });
    expect(
      resolveConfig({}, { STATISTICS_SYNC: 'true', STATISTICS_SYNC_WINDOW_HOURS: '72', STATISTICS_POLL_MINUTES: '2.5' })
        .statistics,
    ).toEqual({ sync: true, syncWindowHours: 72, pollMinutes: 2.5 });
  });

  it('says precisely what is wrong', () => {
    expect(() => resolveConfig({}, { STATISTICS_SYNC_WINDOW_HOURS: '0' })).toThrow(/STATISTICS_SYNC_WINDOW_HOURS/);
    expect(() => resolveConfig({ statistics: { sync: 'maybe' } }, {})).toThrow(/statistics\.sync/);
  });
});
