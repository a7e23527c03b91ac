/**
 * Local calendar fields of an instant in an IANA time zone, through Intl.DateTimeFormat (formatters are
 * cached per zone, and the last minute per zone is memoised because live events cluster in time).
 */

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
/** Lower-case English weekday name, Monday first. */
export type Weekday = (typeof WEEKDAYS)[number];
/** Season of the local date (northern or southern hemisphere from the latitude). */
export type Season = 'spring' | 'summer' | 'autumn' | 'winter';
/** How seasons are cut: meteorological (whole months) or astronomical (equinoxes and solstices). */
export type SeasonMode = 'meteorological' | 'astronomical';

/** Wall-clock fields of an instant in a time zone. */
export interface LocalTime {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  readonly day: number;
  /** 0–23. */
  readonly hour: number;
  readonly minute: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  readonly isoWeekday: number;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Local fields of `epochMs` in `timeZone`. Throws RangeError for an unknown zone (validate first). */
export function localTime(epochMs: number, timeZone: string): LocalTime {
  const minute = Math.floor(epochMs / 60_000);
  const memo = lastMinute.get(timeZone);
  if (memo !== undefined && memo.minute === minute) return memo.value;
  const value = compute(epochMs, timeZone);
  lastMinute.set(timeZone, { minute, value });
  return value;
}

// Approximate equinox/solstice days (month, day) for the northern hemisphere; within ±1 day for 1900–2100.
const ASTRONOMICAL: readonly (readonly [number, number, Season])[] = [
  [3, 20, 'spring'],
  [6, 21, 'summer'],
  [9, 22, 'autumn'],
  [12, 21, 'winter'],
];
const SOUTH: Readonly<Record<Season, Season>> = {
  spring: 'autumn',
  summer: 'winter',
  autumn: 'spring',
  winter: 'summer',
};

/**
 * The season of a local date. Meteorological: Mar–May spring, Jun–Aug summer, Sep–Nov autumn, Dec–Feb
 * winter. Astronomical: from Mar 20, Jun 21, Sep 22 and Dec 21. Southern latitudes (< 0) get the opposite.
 */
export function seasonOf(month: number, day: number, latitude: number, mode: SeasonMode): Season {
  let northern: Season;
  if (mode === 'meteorological') {
    northern =
      month >= 3 && month <= 5
        ? 'spring'
        : month >= 6 && month <= 8
          ? 'summer'
          : month >= 9 && month <= 11
            ? 'autumn'
            : 'winter';
  } else {
    northern = 'winter';
    for (const [m, d, season] of ASTRONOMICAL) if (month > m || (month === m && day >= d)) northern = season;
  }
  return latitude < 0 ? SOUTH[northern] : northern;
}

// --- internal ---

const formatters = new Map<string, Intl.DateTimeFormat>();
const lastMinute = new Map<string, { minute: number; value: LocalTime }>();
const WEEKDAY_INDEX: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function compute(epochMs: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(epochMs)) parts[p.type] = p.value;
  return {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    hour: Number(parts['hour']) % 24,
    minute: Number(parts['minute']),
    isoWeekday: WEEKDAY_INDEX[parts['weekday'] ?? ''] ?? 1,
  };
}
