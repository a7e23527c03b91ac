import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli-args.js';

describe('parseArgs', () => {
  it('parses demo --for and run --config', () => {
    expect(parseArgs(['demo', '--for', '15'])).toEqual({ command: 'demo', forSeconds: 15 });
    expect(parseArgs(['run', '--config=cfg.yaml'])).toEqual({ command: 'run', config: 'cfg.yaml' });
  });
  it('parses import with entities', () => {
    expect(
      parseArgs([
        'import',
        '--start',
        '2024-01-01T00:00:00Z',
        '--end',
        '2024-01-02T00:00:00Z',
        '--entities',
        'a.b, c.d',
      ]),
    ).toEqual({
      command: 'import',
      start: '2024-01-01T00:00:00Z',
      end: '2024-01-02T00:00:00Z',
      entities: ['a.b', 'c.d'],
    });
  });
  it('rejects bad input clearly', () => {
    expect(() => parseArgs(['demo', '--for', 'soon'])).toThrow(/--for expects a positive number/);
    expect(() => parseArgs(['demo', '--bogus', '1'])).toThrow(/unknown option --bogus/);
    expect(() => parseArgs(['launch'])).toThrow(/unknown command "launch"/);
    expect(() => parseArgs(['import', '--start', 'x'])).toThrow(/--start and --end/);
    expect(() => parseArgs(['run', '--config'])).toThrow(/--config needs a value/);
  });
  it('parses export with format, out and the --json flag; its options belong to export only', () => {
    expect(
      parseArgs([
        'export',
        '--start',
        'a',
        '--end',
        'b',
        '--format',
        'csv',
        '--out',
        '-',
        '--json',
        '--entities',
        'sensor.*',
      ]),
    ).toEqual({ command: 'export', start: 'a', end: 'b', format: 'csv', out: '-', json: true, entities: ['sensor.*'] });
    expect(() => parseArgs(['export', '--start', 'a'])).toThrow(/export needs --start and --end/);
    expect(() => parseArgs(['import', '--start', 'a', '--end', 'b', '--format', 'csv'])).toThrow(
      '--format is an option of export',
    );
  });
  it('defaults to help', () => {
    expect(parseArgs([]).command).toBe('help');
    expect(parseArgs(['--version']).command).toBe('version');
  });
});
