import { z } from 'zod';
import { apiSchemas } from './http-schemas.js';

// The answer of /api/v1/dashboard (dashboard-status.ts builds it): tests parse it with this schema and
// /api/v1/openapi.json documents it from the same one.

const HealthState = z.enum(['ok', 'degraded', 'down']);
const EpochMs = z.number().describe('Epoch milliseconds');
const Count = z.number().nonnegative();

/** GET /api/v1/dashboard. */
export const DashboardBody = z
  .strictObject({
    version: z.string(),
    now: EpochMs,
    uptime_seconds: Count,
    totals: z.strictObject({
      received: Count,
      written: Count.describe('Summed over sinks'),
      deduplicated: Count,
      filtered: Count,
      dead_lettered: Count,
      dropped: Count.describe('Lost: dropped for reasons other than dedupe and filters, plus failed'),
      in_flight: Count,
    }),
    events_per_second: z.array(Count).describe('Events received per second, oldest first (15 minutes)'),
    rate_end: EpochMs.describe('End of the last second in events_per_second'),
    lag_ms: z.number().nonnegative().nullable().describe('HA event time to sink acceptance, newest write'),
    sources: z.array(
      z.strictObject({
        name: z.string(),
        status: HealthState,
        connected: z.boolean(),
        message: z.string().nullable(),
        reconnects: Count,
        last_event_at: EpochMs.nullable(),
        backfilled: Count.describe('Events replayed from HA history since start'),
        last_backfill_at: EpochMs.nullable(),
      }),
    ),
    sinks: z.array(
      z.strictObject({
        name: z.string(),
        status: HealthState,
        accepting_writes: z.boolean().describe('False while the healthcheck fails or the breaker is open'),
        message: z.string().nullable(),
        written: Count,
        points_per_second: Count.describe('Average over the last 5 s'),
        last_write_at: EpochMs.nullable(),
        outbox_bytes: Count,
        outbox_since: EpochMs.nullable().describe('Since when the outbox holds entries; null when empty'),
      }),
    ),
    dead_letters: z
      .array(z.strictObject({ time: z.string(), stage: z.string(), reason: z.string(), message: z.string() }))
      .describe('Latest records of the dead-letter file, newest first'),
    untracked_sources: Count.optional().describe('Events from sources past the tracked-name bound'),
    nats: z
      .strictObject({
        role: z.enum(['edge', 'writer']),
        connected: z.boolean(),
        server: z.string().nullable(),
        pending_acks: Count,
        stream_lag: Count.nullable(),
      })
      .optional()
      .describe('INGESTOR_ROLE=edge/writer: the NATS link (absent for role all)'),
  })
  .register(apiSchemas, { id: 'Dashboard' });
