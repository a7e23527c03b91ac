// Small DOM and formatting helpers. Outside data (entity ids, states, messages) only ever becomes text
// nodes, never HTML, so nothing HA or a broker sends can inject markup.

type Child = Node | string | number | null | undefined;

/** Creates an element with attributes (strings) and children (text or nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

/** Replaces a table's content with a header row and body rows. */
export function fillTable(table: HTMLTableElement, head: readonly string[], rows: readonly Child[][], empty: string) {
  const thead = h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t))));
  const body =
    rows.length === 0
      ? [h('tr', {}, h('td', { colspan: String(head.length), class: 'muted' }, empty))]
      : rows.map((cells) => h('tr', {}, ...cells.map((c) => h('td', {}, c))));
  table.replaceChildren(thead, h('tbody', {}, ...body));
}

/** A status badge: ok / degraded / down (colour plus the word, so it does not rely on colour alone). */
export function badge(state: string, text: string = state): HTMLElement {
  return h('span', { class: `badge ${state}` }, text);
}

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** 12345 → "12,345" (the browser's locale). */
export function num(n: number): string {
  return numberFormat.format(n);
}

/** Bytes as B / kB / MB. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A duration in ms as "850 ms", "12 s", "3 min", "2 h 5 min". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "5 s ago" for an epoch-ms time relative to `now`; "–" when unknown. */
export function ago(at: number | null, now: number): string {
  return at === null ? '–' : `${duration(Math.max(0, now - at))} ago`;
}

/** Wall-clock time of epoch ms, for tables. */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString();
}
