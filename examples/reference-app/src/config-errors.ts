import { isSecretKey, MASK, maskSecrets, redactSecrets, type ConfigIssue } from '@ha-ingestor/core';
import { z } from 'zod';
import { AppConfigSchema } from './config-schema.js';
import { closestName } from './suggest.js';
import { maskNatsValue } from './config-scale-out.js';

/** Where a config value came from, for error messages. */
export interface Origin {
  readonly kind: 'env' | 'file';
  readonly name: string;
  /** The v0.3.0 key the value was given under (file origins only), e.g. `websocket.url`. */
  readonly alias?: string;
}

/** What {@link describeIssues} needs to say where a bad value came from and what it was. */
export interface IssueContext {
  /** The merged input (file data with env applied) that failed validation. */
  readonly input: Readonly<Record<string, unknown>>;
  /** Dotted path → origin (env variable or file). */
  readonly origins: ReadonlyMap<string, Origin>;
}

/**
 * Turns zod issues into issues a person can act on: each names the full key path and where it came from
 * (`BATCH_SIZE (pipeline.batchSize)` or `config.yaml: http.hots`), the value (masked when the key is a
 * secret, URL passwords masked everywhere: issue 11) and what is allowed. An unknown key gets the closest
 * sibling key as a suggestion, or the list of known keys.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], context: IssueContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const parent = issue.path.map((p) => displayKey(String(p)));
    if (issue.code === 'unrecognized_keys') {
      const known = KNOWN_KEYS.get(issue.path.map(String).join('.')) ?? [];
      for (const key of issue.keys) {
        const path = [...parent, displayKey(key)].join('.');
        const closest = closestName(key, known);
        const hint = closest === undefined ? `known keys: ${known.join(', ')}` : `did you mean "${closest}"?`;
        out.push({ path, message: `${where(path, context.origins)}: unknown key; ${hint}` });
      }
      continue;
    }
    const path = parent.join('.') || '(top level)';
    const given = getPath(context.input, issue.path.map(String));
    // NATS tokens sit where a user name would (`nats://token@host`): masked before the generic masking.
    const raw = path === 'nats.url' ? maskNatsValue(given) : given;
    const shown = raw === undefined ? 'missing' : isSecretKey(path) ? MASK : redactSecrets(preview(maskSecrets(raw)));
    out.push({ path, message: `${where(path, context.origins)} = ${shown}: ${redactSecrets(issue.message)}` });
  }
  return out;
}

/** Known keys of every object of the config, by dotted path ('' = top level), from the schema itself. */
export const KNOWN_KEYS: ReadonlyMap<string, readonly string[]> = collectKnownKeys();

// --- internal ---

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
}

function collectKnownKeys(): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  const walk = (node: JsonSchemaNode, prefix: string) => {
    if (node.properties === undefined) return;
    keys.set(prefix, Object.keys(node.properties));
    for (const [key, child] of Object.entries(node.properties)) walk(child, prefix ? `${prefix}.${key}` : key);
  };
  walk(z.toJSONSchema(AppConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode, '');
  return keys;
}

function where(path: string, origins: ReadonlyMap<string, Origin>): string {
  const origin = origins.get(path);
  if (origin === undefined) return path;
  if (origin.kind === 'env') return `${origin.name} (${path})`;
  return origin.alias === undefined ? `${origin.name}: ${path}` : `${origin.name}: ${origin.alias} (now ${path})`;
}

/** A key as shown in a message: plain when it looks like a key, else quoted and cut (keys are outside input). */
function displayKey(key: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(key) ? key : JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}

/** The bad value as JSON, cut to 120 characters; never throws (bigint, cycles). */
function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function getPath(source: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let node: unknown = source;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
