// Auth-test helpers. Kept apart from helpers.ts: that one is also imported by child processes
// (outbox-writer.ts), which must not load vitest.
import { expect } from 'vitest';
import { createInfluxDatabase, requireService, uniqueName } from '../../../../test-support/services.js';

/** A wrong password the auth tests try: a space and an @ so encoding mistakes would show. */
export const WRONG_PASSWORD = 'wr0ng p@ss s3cret';

/**
 * A fresh database on the InfluxDB 1.x that requires authentication, with the v1 options of its test user
 * (`url`, `apiVersion`, `database`, `username`, `password`) that sinks and readers take.
 */
export async function authDatabase(ctx: { readonly skip: (note?: string) => never }, prefix: string) {
  const auth = requireService('influxdb-auth', ctx);
  const database = uniqueName(prefix);
  await createInfluxDatabase(auth.url, database, auth);
  const v1 = { url: auth.url, apiVersion: '1', database, username: auth.username, password: auth.password } as const;
  return { auth, database, v1 };
}

/** Asserts that an error, however it is printed or serialised, shows neither the password nor its Basic token. */
export function expectNoSecret(error: unknown, username: string, password: string): void {
  const json = (error as { toJSON?: () => unknown }).toJSON?.();
  const serialised = `${String(error)} ${JSON.stringify(error)} ${JSON.stringify(json)}`;
  expect(serialised).not.toContain(password);
  expect(serialised).not.toContain(Buffer.from(`${username}:${password}`).toString('base64'));
}
