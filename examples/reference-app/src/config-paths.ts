// Dotted key paths ('mqtt.url') into plain config objects, shared by the config loader and the v0.3.0 aliases.

/** The value at a dotted `path` of `source`, or `undefined` when any step is missing or not an object. */
export function getPath(source: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = source;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Sets `value` at a dotted `path` of `target`, creating (or replacing non-object) intermediate objects. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    // A non-object in the file where env sets a nested key: env wins, as for any other key.
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}
