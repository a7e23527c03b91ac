import { describe, expect, it } from 'vitest';
import { isSdkError } from '@ha-ingestor/core';
import { timeContext } from './time-context.js';
import { unitNormalize } from './units.js';

// parseOptions refuses keys its schemas would strip (issue 20): a misspelt option used to run with the default.
describe('enricher options: unknown keys are refused', () => {
  it('timeContext({ timezone }) names the key and suggests timeZone instead of running in UTC', () => {
    let thrown: unknown;
    try {
      // @ts-expect-error -- the type refuses it as well; this is what JavaScript or a JSON config gets at run time
      timeContext({ timezone: 'Europe/Berlin' });
    } catch (error) {
      thrown = error;
    }
    expect(isSdkError(thrown, 'CONFIG_INVALID')).toBe(true);
    expect(String(thrown)).toContain('options.timezone: unknown option "timezone" (did you mean "timeZone"?)');
  });

  it('accepts the correctly spelt options', () => {
    expect(() => timeContext({ timeZone: 'Europe/Berlin' })).not.toThrow();
    expect(() => unitNormalize({})).not.toThrow();
  });
});
