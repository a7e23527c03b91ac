import { z } from 'zod';

/**
 * The "strict" validation of the bench's processing path: a full zod schema of core's HaEvent (every
 * field typed, timestamps safe integers, context checked, attributes a record). What a cautious user
 * puts at the trust boundary with `.validate(…)`; the fast path skips it (source-ws already normalised
 * and type-checked the event by hand).
 */
const micros = z.number().int().nonnegative();
const context = z
  .object({ id: z.string().min(1), parent_id: z.string().nullable(), user_id: z.string().nullable() })
  .nullable();
const provenance = z.object({
  source: z.string().min(1),
  mode: z.enum(['live', 'backfill', 'import', 'replay']),
  receivedAt: micros,
  topic: z.string().optional(),
  retain: z.boolean().optional(),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  timeFromReceipt: z.boolean().optional(),
});
const base = {
  time_fired: micros,
  origin: z.enum(['LOCAL', 'REMOTE']).optional(),
  context,
  provenance,
  key: z.string().min(1),
};
const state = z.object({
  entity_id: z.string().min(1),
  state: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  last_changed: micros,
  last_updated: micros,
  last_reported: micros.optional(),
  context,
});

export const StrictHaEventSchema = z.union([
  z.object({
    ...base,
    event_type: z.literal('state_changed'),
    entity_id: z.string().regex(/^[a-z0-9_]+\.[^.]+/),
    domain: z.string().min(1),
    object_id: z.string().min(1),
    state: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    last_changed: micros,
    last_updated: micros,
    last_reported: micros.optional(),
    old_state: state.nullable(),
  }),
  z.object({
    ...base,
    event_type: z.literal('call_service'),
    data: z
      .object({ domain: z.string(), service: z.string(), service_data: z.record(z.string(), z.unknown()) })
      .loose(),
  }),
  z.object({
    ...base,
    event_type: z.enum(['automation_triggered', 'script_started']),
    data: z.object({ name: z.string(), entity_id: z.string(), source: z.string().optional() }).loose(),
  }),
]);
