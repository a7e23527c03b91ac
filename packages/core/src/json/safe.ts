/** Marker placed where a value could not be kept (circular reference, too deep, too large). */
export const TRUNCATED = '[truncated]';

/** Limits of {@link toJsonSafe}. */
export interface JsonSafeLimits {
  /** Nesting depth kept. @default 8 */
  readonly maxDepth?: number;
  /** Characters kept per string. @default 16384 */
  readonly maxStringLength?: number;
  /** Items / keys kept per array / object. @default 1000 */
  readonly maxItems?: number;
}

/**
 * Returns a JSON-safe copy of any value, for dead-letter records and logs: circular references become
 * `[Circular]`, bigints strings (`"12n"`), functions and symbols their description, errors
 * `{name, message, code}`, and anything deeper, longer or larger than the limits is cut with a marker.
 */
export function toJsonSafe(value: unknown, limits: JsonSafeLimits = {}): unknown {
  const maxDepth = limits.maxDepth ?? 8;
  const maxString = limits.maxStringLength ?? 16_384;
  const maxItems = limits.maxItems ?? 1000;
  const seen = new WeakSet<object>();

  const walk = (v: unknown, depth: number): unknown => {
    switch (typeof v) {
      case 'string':
        return v.length > maxString ? `${v.slice(0, maxString)}…${TRUNCATED}(${v.length} chars)` : v;
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'boolean':
        return v;
      case 'bigint':
        return `${v.toString()}n`;
      case 'undefined':
        return undefined;
      case 'function':
        return `[Function ${v.name || 'anonymous'}]`;
      case 'symbol':
        return v.toString();
      default:
        break;
    }
    if (v === null) return null;
    const obj = v as object;
    if (seen.has(obj)) return '[Circular]';
    if (depth >= maxDepth) return TRUNCATED;
    if (obj instanceof Error) {
      const code = (obj as { code?: unknown }).code;
      return { name: obj.name, message: obj.message, ...(typeof code === 'string' ? { code } : {}) };
    }
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} ${obj.byteLength} bytes]`;
    seen.add(obj);
    try {
      if (Array.isArray(obj)) {
        const out: unknown[] = [];
        const n = Math.min(obj.length, maxItems);
        for (let i = 0; i < n; i++) out.push(walk(obj[i], depth + 1) ?? null);
        if (obj.length > maxItems) out.push(`${TRUNCATED}(${obj.length - maxItems} more items)`);
        return out;
      }
      const out: Record<string, unknown> = {};
      let count = 0;
      const entries =
        obj instanceof Map ? [...obj.entries()].map(([k, x]) => [String(k), x] as const) : Object.entries(obj);
      for (const [k, x] of entries) {
        if (count++ >= maxItems) {
          out[TRUNCATED] = `${entries.length - maxItems} more keys`;
          break;
        }
        const safe = walk(x, depth + 1);
        if (safe !== undefined) out[k] = safe;
      }
      return out;
    } finally {
      seen.delete(obj);
    }
  };
  return walk(value, 0);
}
