import { parseIsoToMicros, secondsFromMicros } from './ha-time.js';
import { pyEquals } from './py.js';
import type { CompressedState, HaWireContext, HaWireState, StateChangedData } from './types.js';

const seconds = (iso: string): number => secondsFromMicros(parseIsoToMicros(iso) ?? 0);

/** `State.as_compressed_state`: context as a plain id when it has no parent and no user; `lu` only when ≠ `lc`. */
export function compressState(s: HaWireState): CompressedState {
  const c = s.context.parent_id === null && s.context.user_id === null ? s.context.id : s.context;
  const out: { s: string; a: Readonly<Record<string, unknown>>; c: string | HaWireContext; lc: number; lu?: number } = {
    s: s.state,
    a: s.attributes,
    c,
    lc: seconds(s.last_changed),
  };
  if (s.last_changed !== s.last_updated) out.lu = seconds(s.last_updated);
  return out;
}

/** The subscribe_entities event for one state_changed (`_state_diff_event`): `r`, `a` or a `c` diff. */
export function stateDiffEvent(data: StateChangedData): Record<string, unknown> {
  const newState = data.new_state;
  const oldState = data.old_state;
  if (newState === null) return { r: [data.entity_id] };
  if (oldState === null) return { a: { [newState.entity_id]: compressState(newState) } };
  return { c: { [newState.entity_id]: stateDiff(oldState, newState) } };
}

/** `_state_diff`: `+` always present; `c` a string (id only) or a partial dict to merge; `-` removed attributes. */
export function stateDiff(old: HaWireState, next: HaWireState): Record<string, unknown> {
  const additions: Record<string, unknown> = {};
  const diff: Record<string, unknown> = { '+': additions };
  if (old.state !== next.state) additions.s = next.state;
  if (old.last_changed !== next.last_changed) additions.lc = seconds(next.last_changed);
  else if (old.last_updated !== next.last_updated) additions.lu = seconds(next.last_updated);
  const oc = old.context;
  const nc = next.context;
  if (oc.parent_id !== nc.parent_id) additions.c = { parent_id: nc.parent_id };
  if (oc.user_id !== nc.user_id) {
    if (typeof additions.c === 'object' && additions.c !== null)
      (additions.c as Record<string, unknown>).user_id = nc.user_id;
    else additions.c = { user_id: nc.user_id };
  }
  if (oc.id !== nc.id) {
    if (typeof additions.c === 'object' && additions.c !== null) (additions.c as Record<string, unknown>).id = nc.id;
    else additions.c = nc.id;
  }
  const oa = old.attributes;
  const na = next.attributes;
  if (!pyEquals(oa, na)) {
    const added: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(na)) if (!(k in oa) || !pyEquals(oa[k], v)) added[k] = v;
    if (Object.keys(added).length > 0) additions.a = added;
    const removed = Object.keys(oa).filter((k) => !(k in na));
    if (removed.length > 0) diff['-'] = { a: removed };
  }
  return diff;
}
