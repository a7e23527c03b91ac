import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../model/errors.js';
import { isSecretKey, MASK } from '../observability/secrets.js';
import { findUnknownKeys, type UnknownKey } from './unknown-keys.js';

/**
 * Parses component options with their zod schema. On failure throws a CONFIG_INVALID {@link ConfigError}
 * that names the component and each bad key, e.g. `influx: options.url: Invalid URL`. Values of
 * secret-named keys are never echoed.
 *
 * Keys the schema does not know are refused too (zod would strip them silently), with the closest known
 * key as a suggestion: `time-context: invalid options: options.timezone: unknown option "timezone"
 * (did you mean "timeZone"?)`. Records, `z.looseObject` and `.catchall(…)` objects still take any key.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, component: string): z.output<S> {
  const data = input ?? {};
  const result = schema.safeParse(data);
  const unknown = findUnknownKeys(schema, data).map(toUnknownKeyIssue);
  if (result.success && unknown.length === 0) return result.data;
  const issues = [...unknown, ...(result.success ? [] : toConfigIssues(result.error))];
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new ConfigError(`${component}: invalid options: ${summary}`, issues, { stage: component });
}

/** Converts zod issues to dotted-path issues; messages of secret keys are generic. */
export function toConfigIssues(error: z.ZodError, prefix = 'options'): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].join('.');
    const secret = issue.path.some((p) => typeof p === 'string' && isSecretKey(p));
    return { path, message: secret ? `${issue.message.replace(/received .*/i, `received ${MASK}`)}` : issue.message };
  });
}

/** One row of an options table. */
export interface OptionRow {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly required: boolean;
  readonly description: string;
}

/**
 * Rows describing an options schema (nested objects flattened with dots), from `z.toJSONSchema`, so that
 * README tables come from the schemas and cannot drift from them.
 */
export function optionRows(schema: z.ZodType): OptionRow[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: OptionRow[] = [];
  walk(json, '', true, rows);
  return rows;
}

/** A markdown table of an options schema (see {@link optionRows}). */
export function optionsTable(schema: z.ZodType): string {
  const rows = optionRows(schema);
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['| option | type | default | description |', '| --- | --- | --- | --- |'];
  for (const r of rows) {
    const def = r.required ? '**required**' : r.default === '' ? '–' : `\`${esc(r.default)}\``;
    lines.push(`| \`${r.key}\` | ${esc(r.type)} | ${def} | ${esc(r.description)} |`);
  }
  return lines.join('\n');
}

// --- internal ---

/** A ConfigIssue for a key the schema would strip (see {@link parseOptions}). */
function toUnknownKeyIssue(unknown: UnknownKey): ConfigIssue {
  const hint = unknown.suggestion === undefined ? '' : ` (did you mean "${unknown.suggestion}"?)`;
  return {
    path: ['options', ...unknown.path.map(String)].join('.'),
    message: `unknown option "${unknown.key}"${hint}`,
  };
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  format?: string;
}

function walk(schema: JsonSchema, prefix: string, parentRequired: boolean, rows: OptionRow[]): void {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  for (const [key, sub] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const isRequired = parentRequired && required.has(key) && sub.default === undefined;
    const nested = unwrap(sub);
    if (nested.type === 'object' && nested.properties && Object.keys(nested.properties).length > 0) {
      rows.push({
        key: path,
        type: 'object',
        default: '',
        required: false,
        description: sub.description ?? nested.description ?? '',
      });
      walk(nested, path, isRequired, rows);
      continue;
    }
    rows.push({
      key: path,
      type: typeName(sub),
      default: sub.default === undefined ? '' : isSecretKey(key) ? MASK : JSON.stringify(sub.default),
      required: isRequired,
      description: sub.description ?? nested.description ?? '',
    });
  }
}

function unwrap(schema: JsonSchema): JsonSchema {
  const alt = schema.anyOf ?? schema.oneOf;
  if (alt) {
    const obj = alt.find((s) => s.type === 'object');
    if (obj) return obj;
  }
  return schema;
}

function typeName(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const alt = schema.anyOf ?? schema.oneOf;
  if (alt) return alt.map(typeName).join(' | ');
  if (schema.type === 'array') return `${schema.items ? typeName(schema.items) : 'unknown'}[]`;
  if (schema.type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    return `record<string, ${typeName(schema.additionalProperties)}>`;
  }
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (schema.format === 'uri') return 'url';
  return schema.type ?? 'unknown';
}
