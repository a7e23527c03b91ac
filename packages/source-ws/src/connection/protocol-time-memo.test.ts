import { describe, expect, it, vi } from 'vitest';
import type * as Core from '@ha-ingestor/core';
import type { StateChangedEvent } from '@ha-ingestor/core';

const parses = vi.hoisted(() => ({ texts: [] as string[] }));
vi.mock('@ha-ingestor/core', async (importOriginal) => {
  const core = await importOriginal<typeof Core>();
  return {
    ...core,
    parseHaTime: (text: string) => {
      parses.texts.push(text);
      return core.parseHaTime(text);
    },
  };
});

const { normaliseEvent } = await import('./protocol.js');

const prov = { source: 'ha-websocket', mode: 'live' as const, receivedAt: 1_700_000_000_000_000 };
const state = (lc: string, lu: string, lr: string) => ({
  entity_id: 'sensor.t',
  state: '21',
  attributes: {},
  last_changed: lc,
  last_updated: lu,
  last_reported: lr,
  context: null,
});

describe('timestamp parsing in normaliseEvent', () => {
  it('parses each distinct timestamp string of a state change once, with the same results', () => {
    const [t0, t1, t2, fired] = [
      '2024-05-01T10:00:00.000001+00:00',
      '2024-05-01T10:00:05.500000+00:00',
      '2024-05-01T10:00:09.250000+00:00',
      '2024-05-01T10:00:09.260000+00:00',
    ];
    parses.texts.length = 0;
    // An attribute-only change: old and new share last_changed; the new state's three times are one string.
    const n = normaliseEvent(
      {
        event_type: 'state_changed',
        data: { entity_id: 'sensor.t', old_state: state(t0, t1, t1), new_state: state(t0, t2, t2) },
        time_fired: fired,
        context: null,
      },
      prov,
    );
    expect(n.ok).toBe(true);
    const e = (n as { event: StateChangedEvent }).event;
    expect(e.last_changed).toBe(Date.UTC(2024, 4, 1, 10) * 1000 + 1);
    expect(e.old_state?.last_changed).toBe(e.last_changed);
    expect(e.old_state?.last_updated).toBe(Date.UTC(2024, 4, 1, 10, 0, 5) * 1000 + 500_000);
    expect(e.last_updated).toBe(Date.UTC(2024, 4, 1, 10, 0, 9) * 1000 + 250_000);
    expect(e.last_reported).toBe(e.last_updated);
    expect(parses.texts.filter((t) => t !== fired).sort()).toEqual([t0, t1, t2].sort());
  });

  it('keeps results right when more distinct strings than the memo holds alternate', () => {
    const times = Array.from({ length: 7 }, (_, i) => `2024-05-01T10:00:0${i}+00:00`);
    for (let round = 0; round < 2; round++) {
      for (const [i, t] of times.entries()) {
        const n = normaliseEvent(
          {
            event_type: 'state_changed',
            data: { entity_id: 'sensor.t', old_state: null, new_state: state(t, t, t) },
            time_fired: t,
            context: null,
          },
          prov,
        );
        expect(n.ok && n.event.time_fired).toBe(Date.UTC(2024, 4, 1, 10, 0, i) * 1000);
      }
    }
  });
});
