import type { HaEvent } from '@ha-ingestor/core';
import { z } from 'zod';

/**
 * `VALIDATION` levels (issue 13):
 * - `off`: no validate stage; only the sources' own parsing (which already refuses what cannot become an
 *   event: bad JSON, missing event_type, unparsable times).
 * - `fast` (default): a hand-written structural check, no allocation for a valid event: event_type, key
 *   and provenance present, every time a finite number, and for a state change an entity id of the form
 *   `domain.object_id`, a state that is a string of at most 255 characters (HA's own limit) or null,
 *   attributes a plain object and old_state an object or null; other events carry a `data` object.
 * - `strict`: a full zod schema per event shape (see {@link strictEventSchema}).
 * An invalid event is dead-lettered (reason `invalid`, the message says what is wrong), counted as dropped
 * `invalid`, and the pipeline goes on.
 */
export const VALIDATION_LEVELS = ['off', 'fast', 'strict'] as const;
/** One of {@link VALIDATION_LEVELS}. */
export type ValidationLevel = (typeof VALIDATION_LEVELS)[number];

/** HA's limit on a state's length (`MAX_LENGTH_STATE_STATE`). */
export const MAX_STATE_LENGTH = 255;

/** The schema the pipeline's validate stage runs for `level`; `undefined` for `off` (no stage). */
export function validationSchema(level: ValidationLevel): z.ZodType<HaEvent> | undefined {
  if (level === 'off') return undefined;
  return level === 'fast' ? fastEventSchema : strictEventSchema;
}

/**
 * The `fast` check. `z.custom` passes the event through untouched (no copy, unlike an object schema), and
 * the refinement reports the first problem with its path.
 */
export const fastEventSchema: z.ZodType<HaEvent> = z.custom<HaEvent>().superRefine((event, ctx) => {
  const problem = fastProblem(event);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path: problem[0], message: problem[1] });
});

/**
 * The `strict` check: the shape of {@link HaEvent} in full, per event type, plus sanity rules the types
 * cannot say: entity ids as HA's `valid_entity_id` accepts them (domain and object_id agreeing with
 * them), `last_changed ≤ last_updated ≤ last_reported`, old_state of the same entity, context ids, and
 * bounded attributes (at most {@link MAX_ATTRIBUTES} keys of at most 255 characters, text values of at
 * most 64 KiB, `unit_of_measurement`/`device_class`/`friendly_name` text). The event passes through
 * untouched: the shape schemas only check (their parsed copies are discarded).
 */
export const strictEventSchema: z.ZodType<HaEvent> = z.custom<HaEvent>().superRefine((event, ctx) => {
  const problem = fastProblem(event); // structure first: the shape schemas below assume an object
  if (problem !== undefined) {
    ctx.addIssue({ code: 'custom', path: problem[0], message: problem[1] });
    return;
  }
  const type = (event as { event_type: string }).event_type;
  const schema = SHAPES.get(type) ?? GenericEvent;
  const result = schema.safeParse(event);
  if (result.success) return;
  for (const issue of result.error.issues) {
    ctx.addIssue({ code: 'custom', path: issue.path.map(String), message: issue.message });
  }
});

/** Most attributes one state may carry under `strict`. */
export const MAX_ATTRIBUTES = 1000;

// --- internal ---

const ENTITY_ID_RE = /^[a-z0-9_]+\.[a-z0-9_]+$/;
// HA's valid_entity_id: no leading/trailing `_` in either part, no `__` in the domain.
const HA_ENTITY_ID_RE = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;
const MAX_TEXT = 64 * 1024;

type Problem = readonly [path: string[], message: string];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const isTime = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);
const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'string' ? 'text' : typeof value;

/** The first structural problem of `event`, or undefined. Reads fields only; allocates only on failure. */
function fastProblem(event: unknown): Problem | undefined {
  if (!isObject(event)) return [[], `event is ${describe(event)}, not an object`];
  const type = event['event_type'];
  if (typeof type !== 'string' || type === '' || type.length > 255)
    return [['event_type'], 'event_type must be text of 1–255 characters'];
  if (!isTime(event['time_fired'])) return [['time_fired'], 'time_fired must be a finite number (epoch µs)'];
  if (typeof event['key'] !== 'string' || event['key'] === '') return [['key'], 'key (the event identity) missing'];
  if (!isObject(event['provenance'])) return [['provenance'], 'provenance must be an object'];
  if (type !== 'state_changed') {
    return isObject(event['data']) ? undefined : [['data'], `data must be an object, not ${describe(event['data'])}`];
  }
  const entityId = event['entity_id'];
  if (typeof entityId !== 'string' || entityId.length > 255 || !ENTITY_ID_RE.test(entityId))
    return [['entity_id'], `entity_id ${preview(entityId)} is not domain.object_id (lower-case letters, digits, _)`];
  const state = event['state'];
  if (state !== null && typeof state !== 'string')
    return [['state'], `state must be text or null, not ${describe(state)}`];
  if (typeof state === 'string' && state.length > MAX_STATE_LENGTH)
    return [['state'], `state has ${state.length} characters, more than HA's ${MAX_STATE_LENGTH}`];
  for (const field of ['last_changed', 'last_updated'] as const) {
    if (!isTime(event[field])) return [[field], `${field} must be a finite number (epoch µs)`];
  }
  if (event['last_reported'] !== undefined && !isTime(event['last_reported']))
    return [['last_reported'], 'last_reported must be a finite number (epoch µs)'];
  if (!isObject(event['attributes']))
    return [['attributes'], `attributes must be a plain object, not ${describe(event['attributes'])}`];
  const old = event['old_state'];
  if (old !== null && old !== undefined && !isObject(old))
    return [['old_state'], `old_state must be an object or null, not ${describe(old)}`];
  return undefined;
}

function preview(value: unknown): string {
  if (typeof value !== 'string') return describe(value);
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

const time = z.number({ error: 'expected a finite number (epoch µs)' });
const text = (max: number) => z.string().max(max, `expected at most ${max} characters`);
const entityId = z
  .string()
  .max(255)
  .regex(HA_ENTITY_ID_RE, 'expected an HA entity id: domain.object_id, lower-case letters, digits, single _');

const Context = z
  .looseObject({
    id: text(255).min(1, 'expected a context id'),
    parent_id: text(255).nullable(),
    user_id: text(255).nullable(),
  })
  .nullable();

const TEXT_ATTRIBUTES = ['unit_of_measurement', 'device_class', 'friendly_name'];

/** One pass over the attributes, each problem named with its (cut) attribute name. */
const Attributes = z.record(z.string(), z.unknown()).superRefine((attributes, ctx) => {
  const keys = Object.keys(attributes);
  if (keys.length > MAX_ATTRIBUTES) {
    ctx.addIssue({ code: 'custom', message: `${keys.length} attributes, more than ${MAX_ATTRIBUTES}` });
    return;
  }
  for (const key of keys) {
    const value = attributes[key];
    const name = key.length > 64 ? `${key.slice(0, 64)}…` : key;
    if (key === '') ctx.addIssue({ code: 'custom', message: 'empty attribute name' });
    else if (key.length > 255)
      ctx.addIssue({
        code: 'custom',
        message: `attribute name of ${key.length} characters (more than 255): ${JSON.stringify(name)}`,
      });
    else if (typeof value === 'string' && value.length > MAX_TEXT)
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `text of ${value.length} characters, more than ${MAX_TEXT}`,
      });
    else if (TEXT_ATTRIBUTES.includes(key) && typeof value !== 'string')
      ctx.addIssue({ code: 'custom', path: [key], message: `${key} must be text, not ${describe(value)}` });
  }
});

const Provenance = z.looseObject({
  source: text(255).min(1),
  mode: z.enum(['live', 'backfill', 'import', 'replay']),
  receivedAt: time,
  topic: text(65_535).optional(),
});

const Base = {
  event_type: text(255).min(1),
  time_fired: time,
  origin: z.enum(['LOCAL', 'REMOTE']).optional(),
  context: Context,
  provenance: Provenance,
  key: text(4096).min(1),
};

/** last_changed ≤ last_updated ≤ last_reported (HA sets them in that order). */
const timesInOrder = (s: { last_changed: number; last_updated: number; last_reported?: number | undefined }) =>
  s.last_changed <= s.last_updated && (s.last_reported === undefined || s.last_updated <= s.last_reported);
const TIMES_MESSAGE = 'expected last_changed ≤ last_updated ≤ last_reported';

const State = z
  .looseObject({
    entity_id: entityId,
    state: text(MAX_STATE_LENGTH),
    attributes: Attributes,
    last_changed: time,
    last_updated: time,
    last_reported: time.optional(),
    context: Context,
  })
  .refine(timesInOrder, { message: TIMES_MESSAGE, path: ['last_changed'] });

const StateChanged = z
  .looseObject({
    ...Base,
    event_type: z.literal('state_changed'),
    entity_id: entityId,
    domain: z.string(),
    object_id: z.string(),
    state: text(MAX_STATE_LENGTH).nullable(),
    attributes: Attributes,
    last_changed: time,
    last_updated: time,
    last_reported: time.optional(),
    old_state: State.nullable(),
  })
  .refine((e) => e.entity_id === `${e.domain}.${e.object_id}`, {
    message: 'domain and object_id must be the two parts of entity_id',
    path: ['domain'],
  })
  .refine(timesInOrder, { message: TIMES_MESSAGE, path: ['last_changed'] })
  .refine((e) => e.old_state === null || e.old_state.entity_id === e.entity_id, {
    message: 'old_state is of another entity',
    path: ['old_state', 'entity_id'],
  });

const CallService = z.looseObject({
  ...Base,
  data: z.looseObject({
    domain: text(255).regex(/^[a-z0-9_]+$/, 'expected a domain'),
    service: text(255).min(1),
    service_data: z.record(z.string(), z.unknown()).optional(),
  }),
});

const EntityRun = z.looseObject({
  ...Base,
  data: z.looseObject({ name: text(MAX_TEXT), entity_id: entityId, source: text(MAX_TEXT).optional() }),
});

const GenericEvent = z.looseObject({ ...Base, data: z.record(z.string(), z.unknown()) });

const SHAPES: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ['state_changed', StateChanged],
  ['call_service', CallService],
  ['automation_triggered', EntityRun],
  ['script_started', EntityRun],
]);
