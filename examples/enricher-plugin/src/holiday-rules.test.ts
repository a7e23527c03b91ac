import { describe, expect, it } from 'vitest';
import { easterSunday, holidaysOf } from './holiday-rules.js';

describe('easterSunday', () => {
  it.each([
    [2000, 4, 23],
    [2019, 4, 21],
    [2024, 3, 31],
    [2025, 4, 20],
    [2026, 4, 5],
    [2038, 4, 25],
  ])('puts Easter %i on %i/%i', (year, month, day) => {
    expect(easterSunday(year)).toEqual({ month, day });
  });
});

describe('holidaysOf', () => {
  it('lists the German national holidays of 2026', () => {
    expect([...holidaysOf('DE', 2026).keys()].sort()).toEqual([
      '2026-01-01',
      '2026-04-03',
      '2026-04-06',
      '2026-05-01',
      '2026-05-14',
      '2026-05-25',
      '2026-10-03',
      '2026-12-25',
      '2026-12-26',
    ]);
  });

  it("moves Dutch King's Day to the 26th when the 27th is a Sunday", () => {
    expect(holidaysOf('NL', 2025).get('2025-04-26')).toBe('Koningsdag');
    expect(holidaysOf('NL', 2025).has('2025-04-27')).toBe(false);
    expect(holidaysOf('NL', 2026).get('2026-04-27')).toBe('Koningsdag');
  });

  it('computes English bank holidays by weekday rules', () => {
    const h = holidaysOf('GB-ENG', 2026);
    expect(h.get('2026-05-04')).toBe('Early May bank holiday');
    expect(h.get('2026-05-25')).toBe('Spring bank holiday');
    expect(h.get('2026-08-31')).toBe('Summer bank holiday');
    expect(h.get('2026-12-28')).toBe('Boxing Day (substitute day)');
  });

  it('gives English weekend holidays the next free weekday', () => {
    // 2021: Christmas on Saturday, Boxing Day on Sunday → Monday 27 and Tuesday 28.
    const y2021 = holidaysOf('GB-ENG', 2021);
    expect(y2021.get('2021-12-27')).toBe('Christmas Day (substitute day)');
    expect(y2021.get('2021-12-28')).toBe('Boxing Day (substitute day)');
    // 2022: Christmas on Sunday, Boxing Day on Monday → the substitute is Tuesday 27; New Year on Saturday → Monday 3 Jan.
    const y2022 = holidaysOf('GB-ENG', 2022);
    expect(y2022.get('2022-12-26')).toBe('Boxing Day');
    expect(y2022.get('2022-12-27')).toBe('Christmas Day (substitute day)');
    expect(y2022.get('2022-01-03')).toBe("New Year's Day (substitute day)");
  });
});
