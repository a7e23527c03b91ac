/**
 * Public holiday rules, computed offline: fixed dates, dates relative to Easter Sunday, and "nth weekday
 * of a month". Covers national holidays of Germany (DE), the Netherlands (NL) and England & Wales (GB-ENG).
 */

export const COUNTRIES = ['DE', 'NL', 'GB-ENG'] as const;
export type Country = (typeof COUNTRIES)[number];

type Rule =
  | {
      readonly kind: 'fixed';
      readonly month: number;
      readonly day: number;
      readonly name: string;
      readonly substitute?: boolean;
      readonly ifSunday?: number;
    }
  | { readonly kind: 'easter'; readonly offset: number; readonly name: string }
  /** `n` 1–4 counts from the start of the month, -1 is the last; weekday 1 = Monday … 7 = Sunday. */
  | {
      readonly kind: 'nth-weekday';
      readonly month: number;
      readonly weekday: number;
      readonly n: number;
      readonly name: string;
    };

const RULES: Readonly<Record<Country, readonly Rule[]>> = {
  DE: [
    { kind: 'fixed', month: 1, day: 1, name: 'Neujahr' },
    { kind: 'easter', offset: -2, name: 'Karfreitag' },
    { kind: 'easter', offset: 1, name: 'Ostermontag' },
    { kind: 'fixed', month: 5, day: 1, name: 'Tag der Arbeit' },
    { kind: 'easter', offset: 39, name: 'Christi Himmelfahrt' },
    { kind: 'easter', offset: 50, name: 'Pfingstmontag' },
    { kind: 'fixed', month: 10, day: 3, name: 'Tag der Deutschen Einheit' },
    { kind: 'fixed', month: 12, day: 25, name: '1. Weihnachtstag' },
    { kind: 'fixed', month: 12, day: 26, name: '2. Weihnachtstag' },
  ],
  NL: [
    { kind: 'fixed', month: 1, day: 1, name: 'Nieuwjaarsdag' },
    { kind: 'easter', offset: -2, name: 'Goede Vrijdag' },
    { kind: 'easter', offset: 0, name: 'Eerste Paasdag' },
    { kind: 'easter', offset: 1, name: 'Tweede Paasdag' },
    // King's Day moves to Saturday the 26th when the 27th is a Sunday.
    { kind: 'fixed', month: 4, day: 27, name: 'Koningsdag', ifSunday: -1 },
    { kind: 'fixed', month: 5, day: 5, name: 'Bevrijdingsdag' },
    { kind: 'easter', offset: 39, name: 'Hemelvaartsdag' },
    { kind: 'easter', offset: 49, name: 'Eerste Pinksterdag' },
    { kind: 'easter', offset: 50, name: 'Tweede Pinksterdag' },
    { kind: 'fixed', month: 12, day: 25, name: 'Eerste Kerstdag' },
    { kind: 'fixed', month: 12, day: 26, name: 'Tweede Kerstdag' },
  ],
  'GB-ENG': [
    { kind: 'fixed', month: 1, day: 1, name: "New Year's Day", substitute: true },
    { kind: 'easter', offset: -2, name: 'Good Friday' },
    { kind: 'easter', offset: 1, name: 'Easter Monday' },
    { kind: 'nth-weekday', month: 5, weekday: 1, n: 1, name: 'Early May bank holiday' },
    { kind: 'nth-weekday', month: 5, weekday: 1, n: -1, name: 'Spring bank holiday' },
    { kind: 'nth-weekday', month: 8, weekday: 1, n: -1, name: 'Summer bank holiday' },
    { kind: 'fixed', month: 12, day: 25, name: 'Christmas Day', substitute: true },
    { kind: 'fixed', month: 12, day: 26, name: 'Boxing Day', substitute: true },
  ],
};

/** Easter Sunday (Gregorian calendar) by the anonymous Meeus/Jones/Butcher algorithm. */
export function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

/**
 * The public holidays of `country` in `year`, keyed `YYYY-MM-DD`. Substitute days (GB: a holiday on a
 * weekend moves to the next free weekday) are included under the holiday's name plus " (substitute day)".
 */
export function holidaysOf(country: Country, year: number): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  const substitutes: { date: number; name: string }[] = [];
  for (const rule of RULES[country]) {
    let date: number;
    if (rule.kind === 'fixed') {
      date = Date.UTC(year, rule.month - 1, rule.day);
      if (rule.ifSunday !== undefined && isoWeekday(date) === 7) date += rule.ifSunday * DAY;
      if (rule.substitute && isoWeekday(date) >= 6) substitutes.push({ date, name: rule.name });
    } else if (rule.kind === 'easter') {
      const e = easterSunday(year);
      date = Date.UTC(year, e.month - 1, e.day) + rule.offset * DAY;
    } else {
      date = nthWeekday(year, rule.month, rule.weekday, rule.n);
    }
    out.set(dayKey(date), rule.name);
  }
  for (const s of substitutes) {
    let d = s.date + DAY;
    while (isoWeekday(d) >= 6 || out.has(dayKey(d))) d += DAY;
    out.set(dayKey(d), `${s.name} (substitute day)`);
  }
  return out;
}

// --- internal ---

const DAY = 86_400_000;

function isoWeekday(utcMs: number): number {
  return ((new Date(utcMs).getUTCDay() + 6) % 7) + 1;
}

function dayKey(utcMs: number): string {
  return new Date(utcMs).toISOString().slice(0, 10);
}

function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = Date.UTC(year, month - 1, 1);
    return first + (((weekday - isoWeekday(first) + 7) % 7) + (n - 1) * 7) * DAY;
  }
  const last = Date.UTC(year, month, 0);
  return last - ((isoWeekday(last) - weekday + 7) % 7) * DAY;
}
