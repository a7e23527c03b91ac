import { describe, expect, it } from 'vitest';
import { EVENTS_TOKEN, MAX_TOKEN_LENGTH, sanitiseToken, subjectOf } from './subject.js';

describe('sanitiseToken', () => {
  it('keeps letters, digits, _ and -', () => {
    expect(sanitiseToken('home-17_A')).toBe('home-17_A');
  });
  it('replaces separators, wildcards, whitespace and non-ASCII with _', () => {
    expect(sanitiseToken('Home 7/north.wing')).toBe('Home_7_north_wing');
    expect(sanitiseToken('a*b>c\td')).toBe('a_b_c_d');
    expect(sanitiseToken('zürich')).toBe('z_rich');
  });
  it('never yields an empty token', () => {
    expect(sanitiseToken('')).toBe('_');
  });
  it('cuts a long name and suffixes a hash of the whole, so two long names stay apart', () => {
    const a = sanitiseToken('x'.repeat(100) + 'a');
    const b = sanitiseToken('x'.repeat(100) + 'b');
    expect(a).toHaveLength(MAX_TOKEN_LENGTH);
    expect(b).toHaveLength(MAX_TOKEN_LENGTH);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('subjectOf', () => {
  it('is <prefix>.<home>.<domain> for state changes', () => {
    expect(subjectOf('ha.events', 'h1', { event_type: 'state_changed', domain: 'sensor' })).toBe('ha.events.h1.sensor');
  });
  it('sanitises the domain and uses _events for other events', () => {
    expect(subjectOf('p', 'h', { event_type: 'state_changed', domain: 'a.b' })).toBe('p.h.a_b');
    expect(subjectOf('p', 'h', { event_type: 'call_service' })).toBe(`p.h.${EVENTS_TOKEN}`);
  });
});
