/**
 * MQTT topic patterns with named wildcards: `sensors/+room/+metric` matches `sensors/kitchen/temp` with
 * `{ room: 'kitchen', metric: 'temp' }`, and `home/#rest` captures the remaining levels joined by `/`.
 * Plain `+` and `#` work as in MQTT (unnamed).
 */
export interface TopicPattern {
  /** The pattern as written. */
  readonly pattern: string;
  /** The MQTT subscription filter (names removed): `sensors/+/+`. */
  readonly filter: string;
  /** Named captures of a matching topic, or `undefined` when the topic does not match. */
  readonly match: (topic: string) => Readonly<Record<string, string>> | undefined;
}

/**
 * Compiles a topic pattern. Throws a TypeError for a malformed pattern (`#` not last, wildcards
 * mixed with text in one level).
 *
 * @example
 * compileTopicPattern('sensors/+room/+metric').match('sensors/kitchen/temp') // { room: 'kitchen', metric: 'temp' }
 */
export function compileTopicPattern(pattern: string): TopicPattern {
  const levels = pattern.split('/');
  const parts: Level[] = levels.map((level, i) => {
    if (level.startsWith('#')) {
      if (i !== levels.length - 1) throw new TypeError(`topic pattern "${pattern}": '#' must be the last level`);
      return { kind: 'multi', name: level.slice(1) || undefined };
    }
    if (level.startsWith('+')) return { kind: 'single', name: level.slice(1) || undefined };
    if (level.includes('+') || level.includes('#')) {
      throw new TypeError(`topic pattern "${pattern}": wildcards must fill a whole level`);
    }
    return { kind: 'exact', text: level };
  });
  const filter = parts.map((p) => (p.kind === 'exact' ? p.text : p.kind === 'single' ? '+' : '#')).join('/');
  return { pattern, filter, match: (topic) => matchLevels(parts, topic.split('/')) };
}

/** True when `topic` matches the MQTT filter `filter` (`+`, `#`; `$`-topics only match explicit filters). */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && !filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Renders an entity-id template: `{name}` is replaced by the named capture, slugified (HA's rule: lower
 * case, runs of anything but `a-z0-9` become `_`). Unknown names throw a TypeError.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TypeError(`template "${template}": no value for {${name}}`);
    return slugify(value);
  });
}

/** HA's `slugify`: accents removed, lower case, every run of other characters → `_`, trimmed. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * Why `topic` is not a plain MQTT topic *name* the source may subscribe on a broker payload's word, or
 * `undefined` when it is one. Refused: `+` and `#` (a filter: `#` alone subscribes to everything, and a
 * foreign payload would land in the dead-letter file), a leading `$` (broker internals such as `$SYS`),
 * U+0000, and more than 65,535 UTF-8 bytes (MQTT §4.7, §1.5.3). Issue 11.
 */
export function topicNameProblem(topic: string): { readonly wildcard: boolean; readonly message: string } | undefined {
  if (topic.includes('+') || topic.includes('#'))
    return { wildcard: true, message: 'contains an MQTT wildcard (+ or #)' };
  const invalid = (message: string) => ({ wildcard: false, message });
  if (topic === '') return invalid('is empty');
  if (topic.startsWith('$')) return invalid("starts with '$' (reserved for the broker)");
  if (topic.includes('\u0000')) return invalid('contains U+0000');
  if (Buffer.byteLength(topic, 'utf8') > 65_535) return invalid('is longer than 65,535 bytes');
  return undefined;
}

/** `sensors/+room/#rest` → `sensors/+/#` (named wildcards are only for the plain parser). */
export function subscriptionFilter(topic: string): string {
  return topic
    .split('/')
    .map((level) => (level.startsWith('+') ? '+' : level.startsWith('#') ? '#' : level))
    .join('/');
}

// --- internal ---

type Level =
  | { readonly kind: 'exact'; readonly text: string }
  | { readonly kind: 'single'; readonly name: string | undefined }
  | { readonly kind: 'multi'; readonly name: string | undefined };

function matchLevels(parts: readonly Level[], topic: readonly string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === undefined) return undefined;
    if (part.kind === 'multi') {
      // MQTT: `a/#` also matches `a` itself (the parent level).
      if (part.name !== undefined) out[part.name] = topic.slice(i).join('/');
      return out;
    }
    const level = topic[i];
    if (level === undefined) return undefined;
    if (part.kind === 'exact') {
      if (part.text !== level) return undefined;
    } else if (part.name !== undefined) {
      out[part.name] = level;
    }
  }
  return parts.length === topic.length ? out : undefined;
}
