/**
 * The Home Assistant Supervisor's validation of an add-on ("app") folder, transcribed to zod for
 * src/addon-files.test.ts. There is no Supervisor here, so this is the closest check we can run.
 *
 * Read from home-assistant/supervisor at commit 090ef31ec024952c2469ed5a7c9f3ce8c1a5499e (2026-08-21):
 * - supervisor/apps/validate.py: `_SCHEMA_APP_CONFIG` (config.yaml), `SCHEMA_APP_TRANSLATIONS`
 *   (translations/<lang>.yaml), `RE_VOLUME`, `RE_SERVICE`, `RE_MACHINE`;
 * - supervisor/apps/options.py: `RE_SCHEMA_ELEMENT` (the `schema:` type language) and
 *   `AppOptions._single_validate` / `_check_missing_options` (how an option value is checked);
 * - supervisor/const.py: `ARCH_ALL`, `ARCH_DEPRECATED`, `AppStartup`, `AppBootConfig`, `AppStage`, `ROLE_ALL`;
 * - supervisor/apps/const.py: `RE_SLUG`, `MappingType`, `AppBackupMode`;
 * - supervisor/validate.py: `network_port`, `docker_ports`, `version_tag`;
 * - supervisor/store/validate.py: `SCHEMA_REPOSITORY_CONFIG` (repository.yaml);
 * - supervisor/store/data.py: how add-ons are found (`**` `/config.{yaml,yml,json}`, skipping dot and
 *   `rootfs` folders) and that a git repository needs repository.{yaml,yml,json} at its root.
 *
 * Deliberately stricter than the Supervisor where it would accept a mistake silently: unknown keys are
 * errors here (voluptuous REMOVE_EXTRA drops a misspelt key without a word), booleans must be YAML
 * booleans, the version must be a YAML string (`0.10` would be the float 0.1), and deprecated
 * architectures are refused (the Supervisor only warns).
 */
import { z } from 'zod';

/** supervisor/const.py ARCH_ALL / ARCH_DEPRECATED. */
export const ARCH_SUPPORTED = ['aarch64', 'amd64'] as const;
export const ARCH_DEPRECATED = ['armhf', 'armv7', 'i386'] as const;

/** supervisor/apps/options.py RE_SCHEMA_ELEMENT, with Python's `(?P<name>…)` written as `(?<name>…)`. */
export const RE_SCHEMA_ELEMENT = new RegExp(
  '^(?:' +
    '|bool' +
    '|email' +
    '|url' +
    '|port' +
    '|device(?:\\((?<filter>subsystem=[a-z]+)\\))?' +
    '|str(?:\\((?<s_min>\\d+)?,(?<s_max>\\d+)?\\))?' +
    '|password(?:\\((?<p_min>\\d+)?,(?<p_max>\\d+)?\\))?' +
    '|int(?:\\((?<i_min>-?\\d+)?,(?<i_max>-?\\d+)?\\))?' +
    '|float(?:\\((?<f_min>-?\\d*\\.?\\d+)?,(?<f_max>-?\\d*\\.?\\d+)?\\))?' +
    '|match\\((?<match>.*)\\)' +
    '|list\\((?<list>.+)\\)' +
    ')\\??$',
);

const RE_SLUG_FIELD = /^[-_.A-Za-z0-9]+$/;
const RE_VOLUME =
  /^(data|config|ssl|local_apps|addons|backup|share|media|homeassistant_config|all_app_configs|all_addon_configs|app_config|addon_config)(?::(rw|ro))?$/;
const MAPPING_TYPES = [
  'data',
  'config',
  'ssl',
  'local_apps',
  'backup',
  'share',
  'media',
  'homeassistant_config',
  'all_app_configs',
  'app_config',
  'addons',
  'all_addon_configs',
  'addon_config',
] as const;
const RE_WATCHDOG = /^(?:https?|\[PROTO:\w+\]|tcp):\/\/\[HOST\]:(\[PORT:\d+\]|\d+).*$/;
const RE_WEBUI = /^(?:https?|\[PROTO:\w+\]):\/\/\[HOST\]:\[PORT:\d+\].*$/;
const RE_SERVICE = /^(?<service>mqtt|mysql):(?<rights>provide|want|need)$/;
const RE_DOCKER_PORT = /^\d+(?:\/tcp|\/udp)?$/;

/** supervisor/validate.py network_port: Coerce(int), 1–65535. */
const networkPort = z.number().int().min(1).max(65_535);
/** voluptuous Url(): urlparse() must give a scheme and a network location. */
const vUrl = z.string().refine(isVoluptuousUrl, 'expected a URL with a scheme and a host');

type SchemaElement = string | SchemaElement[] | { [key: string]: SchemaElement };
/** validate.py SCHEMA_ELEMENT: a type string, a one-level list of types or dicts, or a nested dict. */
const schemaElement: z.ZodType<SchemaElement> = z.lazy(() =>
  z.union([
    z.string().regex(RE_SCHEMA_ELEMENT, 'not a Supervisor option type (options.py RE_SCHEMA_ELEMENT)'),
    z.array(z.union([z.string().regex(RE_SCHEMA_ELEMENT), z.record(z.string(), schemaElement)])),
    z.record(z.string(), schemaElement),
  ]),
);

/** validate.py `_SCHEMA_APP_CONFIG` (after `_migrate_app_config`; deprecated spellings are refused). */
export const AppConfigSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  slug: z.string().regex(RE_SLUG_FIELD),
  description: z.string(),
  arch: z.array(z.enum([...ARCH_SUPPORTED, ...ARCH_DEPRECATED])).min(1),
  machine: z.array(z.string()).optional(),
  url: vUrl.optional(),
  startup: z.enum(['initialize', 'system', 'services', 'application', 'once']).optional(),
  boot: z.enum(['auto', 'manual', 'manual_only']).optional(),
  init: z.boolean().optional(),
  stage: z.enum(['stable', 'experimental', 'deprecated']).optional(),
  ports: z.record(z.string().regex(RE_DOCKER_PORT), networkPort.nullable()).optional(),
  ports_description: z.record(z.string().regex(RE_DOCKER_PORT), z.string()).optional(),
  watchdog: z.string().regex(RE_WATCHDOG).optional(),
  webui: z.string().regex(RE_WEBUI).optional(),
  ingress: z.boolean().optional(),
  ingress_port: z.union([networkPort, z.literal(0)]).optional(),
  ingress_entry: z.string().optional(),
  ingress_stream: z.boolean().optional(),
  panel_icon: z.string().optional(),
  panel_title: z.string().optional(),
  panel_admin: z.boolean().optional(),
  homeassistant: z.string().optional(),
  host_network: z.boolean().optional(),
  host_pid: z.boolean().optional(),
  host_ipc: z.boolean().optional(),
  host_uts: z.boolean().optional(),
  host_dbus: z.boolean().optional(),
  devices: z.array(z.string()).optional(),
  udev: z.boolean().optional(),
  tmpfs: z.boolean().optional(),
  map: z
    .array(
      z.union([
        z.string().regex(RE_VOLUME),
        z.strictObject({ type: z.enum(MAPPING_TYPES), read_only: z.boolean().optional(), path: z.string().optional() }),
      ]),
    )
    .optional(),
  environment: z.record(z.string().regex(/^\w*$/), z.string()).optional(),
  privileged: z.array(z.string()).optional(),
  apparmor: z.union([z.boolean(), z.string()]).optional(),
  full_access: z.boolean().optional(),
  audio: z.boolean().optional(),
  video: z.boolean().optional(),
  gpio: z.boolean().optional(),
  usb: z.boolean().optional(),
  uart: z.boolean().optional(),
  devicetree: z.boolean().optional(),
  kernel_modules: z.boolean().optional(),
  realtime: z.boolean().optional(),
  hassio_api: z.boolean().optional(),
  hassio_role: z.enum(['default', 'homeassistant', 'backup', 'manager', 'admin']).optional(),
  homeassistant_api: z.boolean().optional(),
  stdin: z.boolean().optional(),
  legacy: z.boolean().optional(),
  docker_api: z.boolean().optional(),
  auth_api: z.boolean().optional(),
  services: z.array(z.string().regex(RE_SERVICE)).optional(),
  discovery: z.array(z.string()).optional(),
  backup_exclude: z.array(z.string()).optional(),
  backup_pre: z.string().optional(),
  backup_post: z.string().optional(),
  backup: z.enum(['hot', 'cold']).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  schema: z.union([z.record(z.string(), schemaElement), z.literal(false)]).optional(),
  image: z.string().optional(),
  ulimits: z
    .record(z.string(), z.union([z.number().int(), z.strictObject({ soft: z.number(), hard: z.number() })]))
    .optional(),
  timeout: z.number().int().min(10).max(300).optional(),
  journald: z.boolean().optional(),
  breaking_versions: z.array(z.string()).optional(),
});
export type AppConfig = z.infer<typeof AppConfigSchema>;

/** validate.py SCHEMA_TRANSLATION_CONFIGURATION / SCHEMA_APP_TRANSLATIONS. */
interface TranslationEntry {
  name: string;
  description?: string | null | undefined;
  fields?: Record<string, TranslationEntry> | undefined;
}
const translationEntry: z.ZodType<TranslationEntry> = z.lazy(() =>
  z.strictObject({
    name: z.string().min(1),
    description: z.string().nullable().optional(),
    fields: z.record(z.string(), translationEntry).optional(),
  }),
);
export const AppTranslationsSchema = z.strictObject({
  configuration: z.record(z.string(), translationEntry).optional(),
  network: z.record(z.string(), z.string()).optional(),
});

/** store/validate.py SCHEMA_REPOSITORY_CONFIG. */
export const RepositoryConfigSchema = z.strictObject({
  name: z.string().min(1),
  url: vUrl.optional(),
  maintainer: z.string().optional(),
});

/**
 * options.py `_single_validate` for one option value against a type string: undefined when the
 * Supervisor accepts it, else the reason. (`device` needs the host's hardware and is not modelled.)
 */
export function checkOptionValue(type: string, value: unknown): string | undefined {
  if (value === null || value === undefined) return 'missing (null)';
  const match = RE_SCHEMA_ELEMENT.exec(type);
  if (match === null) return `unknown type ${type}`;
  const g = match.groups ?? {};
  const min = Number(g['s_min'] ?? g['p_min'] ?? g['i_min'] ?? g['f_min'] ?? Number.NaN);
  const max = Number(g['s_max'] ?? g['p_max'] ?? g['i_max'] ?? g['f_max'] ?? Number.NaN);
  const inRange = (n: number) => !(n < min) && !(n > max); // NaN bounds: no bound
  if (type.startsWith('str') || type.startsWith('password')) {
    if (typeof value !== 'string') return 'expected a string';
    return inRange(value.length) ? undefined : `length outside ${type}`;
  }
  if (type.startsWith('int') || type.startsWith('float')) {
    const n = type.startsWith('int') ? pyInt(value) : pyFloat(value);
    if (n === undefined) return `not coercible to ${type.startsWith('int') ? 'int' : 'float'}`;
    return inRange(n) ? undefined : `${n} outside ${type}`;
  }
  if (type.startsWith('bool')) return typeof value === 'boolean' ? undefined : 'expected a boolean';
  if (type.startsWith('email')) return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(String(value)) ? undefined : 'not an email';
  if (type.startsWith('url')) return isVoluptuousUrl(value) ? undefined : 'not a URL';
  if (type.startsWith('port')) return networkPort.safeParse(pyInt(value)).success ? undefined : 'not a port';
  // vol.Match: Python re.match, anchored at the start only, on str(value).
  if (type.startsWith('match'))
    return new RegExp(`^(?:${g['match'] ?? ''})`).test(pyStr(value)) ? undefined : 'no match';
  if (type.startsWith('list')) return (g['list'] ?? '').split('|').includes(pyStr(value)) ? undefined : 'not in list';
  return `type ${type} not modelled`;
}

/** options.py `_check_missing_options`: a schema key without `?` must have a value. */
export function missingRequiredOptions(schema: Record<string, unknown>, options: Record<string, unknown>): string[] {
  return Object.entries(schema)
    .filter(([key, type]) => !(key in options) && !(typeof type === 'string' && type.endsWith('?')))
    .map(([key]) => key);
}

/** store/data.py `_find_app_configs`: the files the Supervisor reads as add-on manifests. */
export function isAppManifestPath(path: string): boolean {
  const parts = path.split('/');
  const file = parts[parts.length - 1] ?? '';
  return (
    /^config\.(yaml|yml|json)$/.test(file) &&
    !parts.slice(0, -1).some((part) => part.startsWith('.') || part === 'rootfs')
  );
}

// --- internal ---

function isVoluptuousUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]+)/.exec(value);
  return m !== null;
}

/** Python int(x) for what YAML can hold: ints, floats (truncated), integer strings. */
function pyInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[-+]?\d+(_\d+)*\s*$/.test(value)) return Number(value.replace(/_/g, ''));
  return undefined;
}

/** Python float(x) for numbers and decimal strings. */
function pyFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Python str(x) for YAML scalars (booleans as True/False; YAML `1.0` reads as 1 here, "1.0" in Python). */
function pyStr(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}
