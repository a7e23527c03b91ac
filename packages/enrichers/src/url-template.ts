import { ConfigError, ErrorCode, SdkError } from '@ha-ingestor/core';
import type { RegistryProvider } from '@ha-ingestor/core';
import type { PolledLocation, ResolvedPolledContextOptions } from './polled-options.js';

/** URL and header templates of polled context: `{name}` placeholders. */
const TEMPLATE_RE = /\{(\w+)\}/g;
const BUILTIN_VARS = new Set(['lat', 'lon', 'id', 'apiKey']);

/** Substitutes {lat}, {lon}, {id}, {apiKey} and location vars; lat/lon fall back to HA's get_config. */
export function render(
  template: string,
  loc: PolledLocation,
  apiKey: string | undefined,
  registry: RegistryProvider | undefined,
  stage: string,
  encode: boolean,
): string {
  return template.replace(TEMPLATE_RE, (_m, key: string) => {
    let value: string | undefined;
    if (key === 'lat' || key === 'lon') {
      const config = registry?.snapshot().config;
      const n = key === 'lat' ? (loc.lat ?? config?.latitude) : (loc.lon ?? config?.longitude);
      if (n === undefined) {
        throw new SdkError(
          ErrorCode.CONFIG_INVALID,
          `${stage}: location ${loc.id} has no ${key} (set it, or feed HA's get_config)`,
          {
            stage,
            retryable: true,
            data: { reason: 'no_location' },
          },
        );
      }
      value = String(n);
    } else if (key === 'id') value = loc.id;
    else if (key === 'apiKey') value = apiKey;
    else value = loc.vars[key];
    return encode ? encodeURIComponent(value ?? '') : (value ?? '');
  });
}

/** Throws CONFIG_INVALID for {apiKey} without a key and placeholders that some location lacks. */
export function checkTemplates(opts: ResolvedPolledContextOptions): void {
  const templates = [opts.url, ...Object.values(opts.headers)];
  for (const t of templates) {
    for (const [, key] of t.matchAll(TEMPLATE_RE)) {
      if (key === undefined) continue;
      if (key === 'apiKey' && opts.apiKey === undefined) {
        throw new ConfigError(
          `${opts.name}: {apiKey} is used but options.apiKey is not set`,
          [{ path: 'options.apiKey', message: 'Required' }],
          {
            stage: opts.name,
          },
        );
      }
      if (BUILTIN_VARS.has(key)) continue;
      const missing = opts.locations.find((l) => l.vars[key] === undefined);
      if (missing) {
        throw new ConfigError(
          `${opts.name}: {${key}} is not a var of location ${missing.id}`,
          [{ path: 'options.locations', message: `missing var ${key}` }],
          {
            stage: opts.name,
          },
        );
      }
    }
  }
}
