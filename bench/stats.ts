/** Pure maths of the bench (unit-tested in bench.test.ts). */

/** Least-squares slope of y over x; NaN with fewer than two distinct x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] as number;
    sy += ys[i] as number;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    num += dx * ((ys[i] as number) - my);
    den += dx * dx;
  }
  return den === 0 ? Number.NaN : num / den;
}

/** `value / floor`, NaN when either is not a positive finite number. */
export function ratio(value: number, floor: number): number {
  return Number.isFinite(value) && Number.isFinite(floor) && floor > 0 && value >= 0 ? value / floor : Number.NaN;
}

/** Median of a sample (mean of the middle two for even sizes). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** µs of CPU per event from events per CPU-second. */
export function cpuMicrosPerEvent(eventsPerCpuSecond: number): number {
  return eventsPerCpuSecond > 0 ? 1e6 / eventsPerCpuSecond : Number.NaN;
}

/** A reported (never asserted) target. */
export interface Target {
  readonly name: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean | 'n/a';
}

/** `met` for a lower-is-better or higher-is-better comparison; 'n/a' when the value is not a number. */
export function judge(value: number, limit: number, better: 'higher' | 'lower'): boolean | 'n/a' {
  if (!Number.isFinite(value)) return 'n/a';
  return better === 'higher' ? value >= limit : value <= limit;
}
