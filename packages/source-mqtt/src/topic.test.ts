import { describe, expect, it } from 'vitest';
import {
  compileTopicPattern,
  renderTemplate,
  slugify,
  subscriptionFilter,
  topicMatches,
  topicNameProblem,
} from './topic.js';

describe('compileTopicPattern', () => {
  it('captures named single-level wildcards and builds the MQTT filter', () => {
    const p = compileTopicPattern('sensors/+room/+metric');
    expect(p.filter).toBe('sensors/+/+');
    expect(p.match('sensors/kitchen/temp')).toEqual({ room: 'kitchen', metric: 'temp' });
  });

  it('rejects topics with a different number of levels or other text', () => {
    const p = compileTopicPattern('sensors/+room/+metric');
    expect(p.match('sensors/kitchen')).toBeUndefined();
    expect(p.match('sensors/kitchen/temp/extra')).toBeUndefined();
    expect(p.match('other/kitchen/temp')).toBeUndefined();
  });

  it('captures the rest of the topic with a named multi-level wildcard, including the parent level', () => {
    const p = compileTopicPattern('home/#rest');
    expect(p.filter).toBe('home/#');
    expect(p.match('home/a/b/c')).toEqual({ rest: 'a/b/c' });
    expect(p.match('home')).toEqual({ rest: '' });
  });

  it('supports unnamed wildcards without capturing', () => {
    expect(compileTopicPattern('a/+/c/#').match('a/x/c/d/e')).toEqual({});
  });

  it('throws on # that is not last and on wildcards mixed with text', () => {
    expect(() => compileTopicPattern('a/#x/b')).toThrow(/must be the last level/);
    expect(() => compileTopicPattern('a/b+c')).toThrow(/whole level/);
  });
});

describe('topicMatches', () => {
  it.each([
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['a/b', 'a/b/c', false],
  ])('%s vs %s → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('renderTemplate and slugify', () => {
  it('slugifies each inserted value the way HA does', () => {
    expect(renderTemplate('sensor.{room}_{metric}', { room: 'Living Room', metric: 'Temp-°C' })).toBe(
      'sensor.living_room_temp_c',
    );
  });

  it('strips accents and trims underscores', () => {
    expect(slugify('  Küche / Oben ')).toBe('kuche_oben');
  });

  it('throws when the template names an unknown value', () => {
    expect(() => renderTemplate('sensor.{nope}', {})).toThrow(/no value for \{nope\}/);
  });
});

describe('subscriptionFilter', () => {
  it('removes wildcard names so the broker gets a plain MQTT filter', () => {
    expect(subscriptionFilter('sensors/+room/#rest')).toBe('sensors/+/#');
    expect(subscriptionFilter('zigbee2mqtt/#')).toBe('zigbee2mqtt/#');
  });
});

describe('topicNameProblem', () => {
  it('accepts plain topic names, including unicode and spaces', () => {
    for (const t of ['zigbee2mqtt/Kitchen Plug', 'a', 'home/küche/温度', 'a//b'])
      expect(topicNameProblem(t)).toBeUndefined();
  });

  it('refuses filters, broker topics, U+0000 and names past 65,535 bytes (issue 11)', () => {
    expect(topicNameProblem('#')).toEqual({ wildcard: true, message: expect.stringMatching(/wildcard/) as unknown });
    expect(topicNameProblem('a/+/b')?.wildcard).toBe(true);
    expect(topicNameProblem('a#')?.wildcard).toBe(true);
    expect(topicNameProblem('$SYS/broker/uptime')).toMatchObject({ wildcard: false });
    expect(topicNameProblem('a\u0000b')).toMatchObject({ wildcard: false });
    expect(topicNameProblem('')).toMatchObject({ wildcard: false });
    expect(topicNameProblem('é'.repeat(32_768))).toMatchObject({
      wildcard: false,
      message: expect.stringMatching(/65,535 bytes/) as unknown,
    });
    expect(topicNameProblem('e'.repeat(65_535))).toBeUndefined();
  });
});
