// Shared builders for the sink's integration tests.
import { makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { expect } from 'vitest';
import { createInfluxDatabase, requireService, uniqueName } from '../../../../test-support/services.js';
import type { StateChangedEvent } from '@ha-ingestor/core';

/** `n` temperature readings of `rooms` sensors, unique times from `start` every `stepUs` (µs), unit °C. */
export function temperatureEvents(
  n: number,
  options: { start?: number; rooms?: number; unit?: string; stepUs?: number } = {},
): StateChangedEvent[] {
  const start = options.start ?? TEST_EVENT_TIME;
  const rooms = options.rooms ?? 10;
  const events: StateChangedEvent[] = [];
  for (let i = 0; i < n; i++) {
    events.push(
      makeStateChanged({
        entity_id: `sensor.room_${i % rooms}_temperature`,
        state: (15 + (i % 100) / 10).toFixed(1),
        attributes: { unit_of_measurement: options.unit ?? '°C', friendly_name: `Room ${i % rooms}` },
        last_updated: start + i * (options.stepUs ?? 1),
      }),
    );
  }
  return events;
}

/** A Set of `entity_id|time` keys, to compare what was sent with what was read back. */
export function keysOf(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((r) => `${String(r['entity_id'])}|${String(r['time'])}`).sort();
}

export function eventKeys(events: readonly StateChangedEvent[]): string[] {
  return events.map((e) => `${e.object_id}|${e.last_updated}`).sort();
}

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
