import { describe, expect, it } from 'vitest';
import { isSdkError } from '@ha-ingestor/core';
import { haCalendar } from './ha-calendar.js';
import { stateEvent, testContext, enrichSync } from '../test/helpers.js';

const { ctx } = testContext();
const meeting = {
  message: 'Standup',
  start_time: '2026-01-15 09:00:00',
  end_time: '2026-01-15 09:15:00',
  location: 'Room 1',
  all_day: false,
};

describe('haCalendar', () => {
  it('attaches nothing until a followed calendar has been seen', () => {
    const e = haCalendar({ entityIds: ['calendar.work'] });
    expect(enrichSync(e, stateEvent('light.x', 'on'), ctx)).toEqual({});
    expect(enrichSync(e, stateEvent('calendar.other', 'on', meeting), ctx)).toEqual({});
  });

  it('reports busy with the current event while a calendar is on, and free when it turns off', () => {
    const e = haCalendar({ entityIds: ['calendar.work'] });
    enrichSync(e, stateEvent('calendar.work', 'on', meeting), ctx);
    expect(enrichSync(e, stateEvent('light.x', 'on'), ctx)).toEqual({
      calendar: {
        busy: true,
        active: ['calendar.work'],
        message: 'Standup',
        location: 'Room 1',
        start_time: meeting.start_time,
        end_time: meeting.end_time,
        all_day: false,
      },
    });
    enrichSync(e, stateEvent('calendar.work', 'off', { message: 'Next thing' }), ctx);
    expect(enrichSync(e, stateEvent('light.x', 'off'), ctx)).toEqual({ calendar: { busy: false, active: [] } });
  });

  it('takes the details from the first busy calendar in option order', () => {
    const e = haCalendar({ entityIds: ['calendar.work', 'calendar.family'] });
    enrichSync(e, stateEvent('calendar.family', 'on', { message: 'School run' }), ctx);
    expect(enrichSync(e, stateEvent('light.x', 'on'), ctx)).toMatchObject({
      calendar: { busy: true, active: ['calendar.family'], message: 'School run' },
    });
    enrichSync(e, stateEvent('calendar.work', 'on', meeting), ctx);
    expect(enrichSync(e, stateEvent('light.x', 'on'), ctx)).toMatchObject({
      calendar: { busy: true, active: ['calendar.work', 'calendar.family'], message: 'Standup' },
    });
  });

  it('forgets a calendar that becomes unavailable', () => {
    const e = haCalendar({ entityIds: ['calendar.work'] });
    enrichSync(e, stateEvent('calendar.work', 'on', meeting), ctx);
    enrichSync(e, stateEvent('calendar.work', 'unavailable'), ctx);
    expect(enrichSync(e, stateEvent('light.x', 'on'), ctx)).toEqual({});
  });

  it('requires calendar.* entity ids', () => {
    try {
      haCalendar({ entityIds: ['sensor.work'] });
      expect.unreachable();
    } catch (error) {
      expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('haCalendar seeding', () => {
  it('starts from the initialState of each calendar', async () => {
    const t = testContext();
    const e = haCalendar(
      { entityIds: ['calendar.work', 'calendar.family'] },
      {
        initialState: (id) =>
          Promise.resolve(
            id === 'calendar.work' ? { state: 'on', attributes: { message: 'Review' }, last_updated: 1 } : undefined,
          ),
      },
    );
    await e.start?.(t.ctx);
    expect(enrichSync(e, stateEvent('light.x', 'on'), t.ctx)).toEqual({
      calendar: { busy: true, active: ['calendar.work'], message: 'Review' },
    });
  });
});
