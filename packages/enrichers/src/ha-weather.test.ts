import { describe, expect, it } from 'vitest';
import { isSdkError } from '@ha-ingestor/core';
import { haWeather } from './ha-weather.js';
import { stateEvent, testContext, enrichSync } from '../test/helpers.js';

const { ctx } = testContext();
const T0 = Date.UTC(2026, 0, 15, 12);
const weatherAttrs = {
  temperature: 4.5,
  humidity: 81,
  pressure: 1012,
  wind_speed: 14.4,
  wind_bearing: 250,
  temperature_unit: '°C',
  friendly_name: 'Home',
};

describe('haWeather', () => {
  it('attaches nothing until the weather entity has been seen', () => {
    const e = haWeather({ entityId: 'weather.home' });
    expect(enrichSync(e, stateEvent('light.x', 'on', {}, T0), ctx)).toEqual({});
  });

  it('attaches the latest weather state to every following event, including its own', () => {
    const e = haWeather({ entityId: 'weather.home' });
    const own = enrichSync(e, stateEvent('weather.home', 'rainy', weatherAttrs, T0), ctx);
    const expected = {
      condition: 'rainy',
      temperature: 4.5,
      humidity: 81,
      pressure: 1012,
      wind_speed: 14.4,
      wind_bearing: 250,
      temperature_unit: '°C',
      updated_at: T0 * 1000,
    };
    expect(own).toEqual({ weather: expected });
    expect(enrichSync(e, stateEvent('light.x', 'on', {}, T0 + 1000), ctx)).toEqual({ weather: expected });
    enrichSync(e, stateEvent('weather.home', 'sunny', { ...weatherAttrs, temperature: 6 }, T0 + 2000), ctx);
    expect(enrichSync(e, stateEvent('light.x', 'off', {}, T0 + 3000), ctx)).toMatchObject({
      weather: { condition: 'sunny', temperature: 6 },
    });
  });

  it('ignores other weather entities and older (backfilled) states', () => {
    const e = haWeather({ entityId: 'weather.home' });
    enrichSync(e, stateEvent('weather.home', 'sunny', weatherAttrs, T0), ctx);
    enrichSync(e, stateEvent('weather.office', 'snowy', weatherAttrs, T0 + 1), ctx);
    enrichSync(e, stateEvent('weather.home', 'fog', weatherAttrs, T0 - 60_000), ctx);
    expect(enrichSync(e, stateEvent('light.x', 'on', {}, T0 + 2), ctx)).toMatchObject({
      weather: { condition: 'sunny' },
    });
  });

  it('drops the weather while the entity is unavailable and when it is older than maxAgeMs', () => {
    const e = haWeather({ entityId: 'weather.home', maxAgeMs: 3_600_000 });
    enrichSync(e, stateEvent('weather.home', 'sunny', weatherAttrs, T0), ctx);
    expect(enrichSync(e, stateEvent('light.x', 'on', {}, T0 + 3_600_000), ctx)).toHaveProperty('weather');
    expect(enrichSync(e, stateEvent('light.x', 'on', {}, T0 + 3_600_001), ctx)).toEqual({});
    enrichSync(e, stateEvent('weather.home', 'unavailable', {}, T0 + 3_600_002), ctx);
    expect(enrichSync(e, stateEvent('light.x', 'on', {}, T0 + 3_600_003), ctx)).toEqual({});
  });

  it('keeps only finite numeric attributes', () => {
    const e = haWeather({ entityId: 'weather.home' });
    expect(
      enrichSync(e, stateEvent('weather.home', 'cloudy', { temperature: 'warm', humidity: Number.NaN }, T0), ctx),
    ).toEqual({
      weather: { condition: 'cloudy', updated_at: T0 * 1000 },
    });
  });

  it('rejects an entity id outside the weather domain', () => {
    try {
      haWeather({ entityId: 'sensor.outside' });
      expect.unreachable();
    } catch (error) {
      expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('haWeather seeding', () => {
  it('attaches the initial state from the initialState hook before the entity changes', async () => {
    const t = testContext();
    const e = haWeather(
      { entityId: 'weather.home' },
      {
        initialState: (id) =>
          Promise.resolve(
            id === 'weather.home'
              ? { state: 'cloudy', attributes: { temperature: 2 }, last_updated: T0 * 1000 }
              : undefined,
          ),
      },
    );
    await e.start?.(t.ctx);
    expect(enrichSync(e, stateEvent('light.x', 'on', {}, T0 + 1), t.ctx)).toEqual({
      weather: { condition: 'cloudy', temperature: 2, updated_at: T0 * 1000 },
    });
  });

  it('reports a failing initialState hook and starts empty', async () => {
    const t = testContext();
    const e = haWeather(
      { entityId: 'weather.home' },
      { initialState: () => Promise.reject(new Error('HA not reachable')) },
    );
    await e.start?.(t.ctx);
    expect(t.reports).toHaveLength(1);
    expect(enrichSync(e, stateEvent('light.x', 'on', {}, T0), t.ctx)).toEqual({});
  });
});
