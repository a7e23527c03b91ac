import { z } from 'zod';
import { MAX_CONTEXT_FIELDS_PER_PROPERTY } from './context-fields.js';

/** Per entity / domain / glob customisation, as HA's `component_config*` entries. */
export const ComponentConfigEntrySchema = z.object({
  overrideMeasurement: z
    .string()
    .optional()
    .describe(
      'Measurement for the matching entities; wins over every other measurement option (HA `override_measurement`)',
    ),
  ignoreAttributes: z
    .array(z.string())
    .optional()
    .describe(
      'Attributes not written for the matching entities; merged with the global `ignoreAttributes` (HA `ignore_attributes`)',
    ),
});
/** Per-entity/domain/glob overrides of the HA schema (HA `component_config*`), defaults applied. */
export type ComponentConfigEntry = z.output<typeof ComponentConfigEntrySchema>;

/** How events map to InfluxDB points. `kind: 'ha'` is drop-in compatible with HA's InfluxDB integration. */
export const SchemaOptionsSchema = z.object({
  kind: z
    .enum(['ha', 'entity'])
    .default('ha')
    .describe(
      "`ha`: the schema of HA's built-in InfluxDB integration (measurement = unit, tag entity_id = object id); `entity`: one measurement per domain with registry tags and typed fields",
    ),
  measurementAttr: z
    .enum(['unit_of_measurement', 'domain__device_class', 'entity_id'])
    .default('unit_of_measurement')
    .describe(
      '`ha` kind: what names the measurement — the unit, `<domain>__<device_class>`, or the entity id (HA `measurement_attr`)',
    ),
  defaultMeasurement: z
    .string()
    .optional()
    .describe(
      '`ha` kind: measurement when the `measurementAttr` attribute is missing; unset → the entity id (HA `default_measurement`)',
    ),
  overrideMeasurement: z
    .string()
    .optional()
    .describe('Put every state point in this one measurement (HA `override_measurement`)'),
  entityMeasurement: z
    .string()
    .min(1)
    .default('{domain}')
    .describe(
      '`entity` kind: measurement template; placeholders `{domain}`, `{device_class}`, `{entity_id}`, `{object_id}`, `{unit}` (missing values render empty, an empty result falls back to the domain)',
    ),
  componentConfig: z
    .record(z.string(), ComponentConfigEntrySchema)
    .default({})
    .describe(
      'Per entity id: `overrideMeasurement`, `ignoreAttributes` (HA `component_config`; wins over glob and domain)',
    ),
  componentConfigDomain: z
    .record(z.string(), ComponentConfigEntrySchema)
    .default({})
    .describe('Per domain: `overrideMeasurement`, `ignoreAttributes` (HA `component_config_domain`; weakest)'),
  componentConfigGlob: z
    .record(z.string(), ComponentConfigEntrySchema)
    .default({})
    .describe(
      'Per entity-id glob (`*`, `?`): `overrideMeasurement`, `ignoreAttributes` (HA `component_config_glob`; between domain and entity)',
    ),
  tags: z
    .record(z.string(), z.string())
    .default({})
    .describe('Static tags added to every point; they win over computed tags of the same name (HA `tags`)'),
  tagsAttributes: z
    .array(z.string())
    .default([])
    .describe('Attributes written as tags instead of fields (HA `tags_attributes`)'),
  ignoreAttributes: z.array(z.string()).default([]).describe('Attributes never written (HA `ignore_attributes`)'),
  homeTag: z
    .string()
    .min(1)
    .default('home')
    .describe(
      "Tag carrying the event's `provenance.home` (multi-home deployments: the edge's `HOME_ID`), on every point of both schemas, events and statistics included; it wins over every other tag of that name. Events without a home get no such tag",
    ),
  skipUnavailable: z
    .boolean()
    .default(false)
    .describe(
      "Skip states `unavailable`, `unknown` and '' as HA does; by default they are recorded as the `state` string field (no `value`)",
    ),
  eventsMeasurement: z
    .string()
    .min(1)
    .default('events')
    .describe('Measurement for non-state events (call_service, automation_triggered, …)'),
  contextFields: z
    .array(
      z
        .string()
        .min(1)
        .max(64)
        .refine((name) => name !== 'time', {
          message: 'InfluxDB drops a field named `time`; it cannot be a context field',
        }),
    )
    .max(32)
    .refine((names) => new Set(names).size === names.length, { message: 'Names must be unique' })
    .default([])
    .describe(
      `Top-level event properties that enrichers add (\`hour\`, \`season\`, \`weather\`, \`carbon_intensity\`, …) written as fields of state points: a scalar as a field of its name, an object flattened one level (\`weather_temperature\`, at most ${MAX_CONTEXT_FIELDS_PER_PROPERTY} per property, deeper values skipped); numbers float, booleans bool, strings string, null omitted; the schema's own fields win a name clash. Non-state events never carry them`,
    ),
  timeSource: z
    .enum(['last_updated', 'last_changed', 'time_fired'])
    .default('last_updated')
    .describe(
      "Which time stamps a state point. HA uses the event's time_fired, which equals new_state.last_updated for state_changed",
    ),
});

/** What users write. */
export type SchemaOptions = z.input<typeof SchemaOptionsSchema>;
/** What the mapper gets (defaults applied). */
export type ResolvedSchemaOptions = z.output<typeof SchemaOptionsSchema>;
