import type { Logger } from '@ha-ingestor/core';
import { z } from 'zod';

/** Data options of the HA simulator (hooks such as `now` and `logger` are typed separately). */
export const HaSimulatorOptionsSchema = z.object({
  host: z.string().default('127.0.0.1').describe('Interface to listen on'),
  port: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(0)
    .describe('TCP port; 0 picks a free one (kept across `faults.restart()`)'),
  token: z
    .string()
    .min(1)
    .optional()
    .describe('The one valid long-lived access token; omitted → a random one (read it from `simulator.token`)'),
  haVersion: z
    .string()
    .default('2025.11.3')
    .describe('`ha_version` sent in auth_required/auth_ok and `version` of get_config'),
  timeZone: z
    .string()
    .default('Europe/Amsterdam')
    .describe('`time_zone` of get_config; naive history times are read in it'),
  seed: z
    .number()
    .int()
    .default(1)
    .describe('Seed of the home and the event generator: same seed, same home, same events'),
  entityCount: z
    .number()
    .int()
    .min(0)
    .default(43)
    .describe(
      'Entities with a state; the realistic base home has 43, any more are generated sensors (fewer is not possible)',
    ),
  historyDays: z
    .number()
    .positive()
    .default(10)
    .describe("Recorder keep days (HA's purge_keep_days); older rows are purged"),
  authTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Auth phase: how long to wait for the auth message (HA: 10 s)'),
  heartbeatMs: z
    .number()
    .int()
    .min(0)
    .default(55_000)
    .describe(
      'Send a WS ping after this long without receiving anything (aiohttp heartbeat, HA: 55 s); no pong within half of it drops the link; 0 = off',
    ),
  writeBufferBytes: z
    .number()
    .int()
    .positive()
    .default(1_048_576)
    .describe(
      "Bytes handed to the socket but not yet flushed before messages count as pending (aiohttp's 1 MiB write limit)",
    ),
  pendingLimits: z
    .object({
      max: z
        .number()
        .int()
        .positive()
        .default(4096)
        .describe('Disconnect at once when this many messages are pending (MAX_PENDING_MSG)'),
      peak: z
        .number()
        .int()
        .positive()
        .default(1024)
        .describe('Disconnect when above this many pending… (PENDING_MSG_PEAK)'),
      peakMs: z.number().int().positive().default(10_000).describe('…for this long (PENDING_MSG_PEAK_TIME)'),
    })
    .prefault({})
    .describe('Slow-client protection, as HA'),
  streamCoalesceMs: z
    .number()
    .int()
    .min(0)
    .default(350)
    .describe('history/stream live batches are coalesced over this window (EVENT_COALESCE_TIME)'),
  closeTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('After sending a close frame, destroy the socket if the client does not answer within this'),
  startingMs: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'Start (and restart) in state STARTING and fire homeassistant_start/homeassistant_started after this long; 0 = RUNNING at once',
    ),
  seedHistory: z
    .object({
      hours: z
        .number()
        .min(0)
        .default(0)
        .describe('Generate this many hours of past activity into the recorder at startup (0 = none)'),
      eventsPerHour: z.number().positive().default(600).describe('Density of the seeded history'),
    })
    .prefault({})
    .describe('Past history for history/backfill/import without waiting; seeded events are not in `emitted`'),
  seedStatistics: z
    .object({
      hours: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe(
          'Hours of long-term statistics of every case (circular mean, meter reset, daily last_reset, external with gaps, unit change, no rows, no entity) up to the last full hour; 0 = none',
        ),
    })
    .prefault({})
    .describe('Long-term statistics served by the recorder/* statistics commands (see `statistics`)'),
  perMessageDeflate: z
    .boolean()
    .default(true)
    .describe(
      "Accept permessage-deflate when the client offers it, as HA's aiohttp server does (costs CPU per message)",
    ),
  maxEmitted: z
    .number()
    .int()
    .min(0)
    .default(200_000)
    .describe('Bound of the `emitted` log (oldest dropped first); 0 = unbounded'),
});

/** What callers pass: the data options plus hooks. */
export type HaSimulatorOptions = z.input<typeof HaSimulatorOptionsSchema> & {
  /** Epoch-ms clock used for every HA timestamp. @default Date.now */
  readonly now?: () => number;
  /** Where connection-level problems are reported (slow clients, listener errors). @default noopLogger */
  readonly logger?: Logger;
};

/** Options after parsing. */
export type ResolvedHaSimulatorOptions = z.output<typeof HaSimulatorOptionsSchema>;
