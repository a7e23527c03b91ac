import { makeStateChanged } from '@ha-ingestor/core/testing';
import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeEventFrom, encodeEvent, FORMAT_VERSION } from './codec.js';

const encoded = (text: string, version = FORMAT_VERSION) => Buffer.concat([Uint8Array.of(version), Buffer.from(text)]);

describe('codec', () => {
  it('round-trips an event behind the version byte', () => {
    const event = { ...makeStateChanged(), provenance: { ...makeStateChanged().provenance, home: 'h' } };
    const data = encodeEvent(event);
    expect(data[0]).toBe(FORMAT_VERSION);
    const decoded = decodeEvent(data);
    expect(decoded).toEqual({ ok: true, event });
  });
  it('refuses an unknown version clearly', () => {
    expect(decodeEvent(encoded('{}', 2))).toEqual({
      ok: false,
      error: { reason: 'unknown_format_version', message: expect.stringMatching(/unknown format version 2/) },
    });
  });
  it('refuses empty messages, bad JSON, deep JSON and envelopes without key/time/mode', () => {
    expect(decodeEvent(new Uint8Array(0))).toMatchObject({ ok: false, error: { reason: 'empty_message' } });
    expect(decodeEvent(encoded('{nope'))).toMatchObject({ ok: false, error: { reason: 'invalid_json' } });
    expect(decodeEvent(encoded('['.repeat(100) + ']'.repeat(100)))).toMatchObject({
      ok: false,
      error: { reason: 'json_too_deep' },
    });
    const good = makeStateChanged();
    const without = (field: string) => encoded(JSON.stringify({ ...good, [field]: undefined }));
    expect(decodeEvent(without('key'))).toMatchObject({ ok: false, error: { message: /key/ } });
    expect(decodeEvent(without('time_fired'))).toMatchObject({ ok: false, error: { message: /time_fired/ } });
    expect(decodeEvent(without('provenance'))).toMatchObject({ ok: false, error: { message: /provenance/ } });
    expect(decodeEvent(without('entity_id'))).toMatchObject({ ok: false, error: { message: /entity_id/ } });
  });
  it('throws on a value JSON cannot hold (the sink rejects that event)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encodeEvent(cyclic)).toThrow();
  });
  it('decodeEventFrom stamps provenance.source and topic on the decoded event, keeping mode, receivedAt and home', () => {
    const event = {
      ...makeStateChanged(),
      provenance: { source: 'ha', mode: 'backfill' as const, receivedAt: 7, home: 'h' },
    };
    const decoded = decodeEventFrom(encodeEvent(event), 'writer-nats', 'ha.events.h.sensor');
    expect(decoded).toEqual({
      ok: true,
      event: {
        ...event,
        provenance: { source: 'writer-nats', mode: 'backfill', receivedAt: 7, home: 'h', topic: 'ha.events.h.sensor' },
      },
    });
    expect(decodeEventFrom(new Uint8Array(0), 's', 't')).toMatchObject({
      ok: false,
      error: { reason: 'empty_message' },
    });
  });
});
