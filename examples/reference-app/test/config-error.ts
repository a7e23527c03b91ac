// Shared by the config tests: the ConfigError a config function throws.
import { ConfigError, isSdkError } from '@ha-ingestor/core';
import { expect } from 'vitest';

/** The ConfigError thrown by `fn` (CONFIG_INVALID); fails the test when nothing or something else is thrown. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
