import { CommandError, type Command } from './connection.js';
import type { CommandSchema } from './command-schema.js';
import { isoFromMicros, parseIsoToMicros } from './ha-time.js';
import type { SimulatedHome } from './home.js';
import type { SimStatisticMeta, SimStatisticRow, StatisticsStore } from './statistics-store.js';
import { converter, validUnits } from './unit-conversion.js';

const PERIODS = new Set(['5minute', 'hour', 'day', 'week', 'month']);
const TYPES = ['change', 'last_reset', 'max', 'mean', 'min', 'state', 'sum'] as const;
type StatType = (typeof TYPES)[number];
const HOUR_MS = 3_600_000;

const DURING_SCHEMA: CommandSchema = {
  start_time: { type: 'str', required: true },
  end_time: { type: 'str' },
  statistic_ids: { type: 'list_of_str', required: true },
  period: { type: 'str', required: true },
  units: { type: 'dict' },
  types: { type: 'list_of_str' },
};

/**
 * recorder/list_statistic_ids, recorder/get_statistics_metadata and recorder/statistics_during_period
 * (homeassistant/components/recorder/websocket_api.py), served from the simulator's statistics store.
 */
export function statisticsCommands(deps: { home: SimulatedHome; store: StatisticsStore }): Map<string, Command> {
  const { home, store } = deps;
  const commands = new Map<string, Command>();

  // statistics.list_statistic_ids: one dict per statistic; `has_mean` is kept beside `mean_type`
  // (true only for an arithmetic mean), older servers send no `mean_type`.
  const metaDict = (m: SimStatisticMeta): Record<string, unknown> => {
    const stateUnit = home.getState(m.statistic_id)?.attributes['unit_of_measurement'];
    const display = typeof stateUnit === 'string' ? stateUnit : m.unit;
    return {
      statistic_id: m.statistic_id,
      display_unit_of_measurement: display,
      has_mean: store.format.legacyMetadata ? m.mean_type !== 0 : m.mean_type === 1,
      ...(store.format.legacyMetadata ? {} : { mean_type: m.mean_type }),
      has_sum: m.has_sum,
      name: m.name,
      source: m.source,
      statistics_unit_of_measurement: m.unit,
      unit_class: m.unit_class,
    };
  };

  commands.set('recorder/list_statistic_ids', {
    schema: { statistic_type: { type: 'str' } },
    handler: (conn, msg) => {
      const type = msg['statistic_type'];
      if (type !== undefined && type !== 'sum' && type !== 'mean')
        throw new CommandError(
          'invalid_format',
          `value must be one of ['mean', 'sum'] for dictionary value @ data['statistic_type']. Got ${JSON.stringify(type)}`,
        );
      const list = store
        .metas()
        .filter((m) => (type === 'sum' ? m.has_sum : type === 'mean' ? m.mean_type !== 0 : true))
        .map(metaDict);
      conn.sendResult(msg.id, list);
    },
  });

  commands.set('recorder/get_statistics_metadata', {
    schema: { statistic_ids: { type: 'list_of_str' } },
    handler: (conn, msg) => {
      const ids = msg['statistic_ids'] as string[] | undefined;
      const wanted = ids === undefined || ids.length === 0 ? undefined : new Set(ids);
      // Unknown ids are simply absent.
      conn.sendResult(
        msg.id,
        store
          .metas()
          .filter((m) => wanted === undefined || wanted.has(m.statistic_id))
          .map(metaDict),
      );
    },
  });

  commands.set('recorder/statistics_during_period', {
    schema: DURING_SCHEMA,
    handler: (conn, msg) => {
      const ids = msg['statistic_ids'] as string[];
      if (ids.length === 0)
        throw new CommandError(
          'invalid_format',
          "length of value must be at least 1 for dictionary value @ data['statistic_ids']. Got []",
        );
      const period = String(msg['period']);
      if (!PERIODS.has(period))
        throw new CommandError(
          'invalid_format',
          `value must be one of ['5minute', 'day', 'hour', 'month', 'week'] for dictionary value @ data['period']. Got '${period}'`,
        );
      const units = checkUnits(msg['units']);
      const types = checkTypes(msg['types']);
      const start = parseIsoToMicros(String(msg['start_time']));
      if (start === undefined) throw new CommandError('invalid_start_time', 'Invalid start_time');
      let end: number | undefined;
      if (typeof msg['end_time'] === 'string' && msg['end_time'] !== '') {
        end = parseIsoToMicros(msg['end_time']);
        if (end === undefined) throw new CommandError('invalid_end_time', 'Invalid end_time');
      }
      const startMs = Math.floor(start / 1000);
      const endMs = end === undefined ? Number.POSITIVE_INFINITY : Math.floor(end / 1000);
      const result: Record<string, unknown[]> = {};
      for (const id of new Set(ids)) {
        const meta = store.meta(id);
        if (meta === undefined) continue; // an unknown id is no error
        let rows = store.rows(id).filter((r) => r.start >= startMs && r.start < endMs);
        if (period === '5minute') rows = [];
        else if (period !== 'hour') rows = reduce(rows, period);
        if (rows.length === 0) continue; // ids without rows are absent from the reply
        const stateUnit = home.getState(id)?.attributes['unit_of_measurement'];
        const display =
          (meta.unit_class !== null ? units?.[meta.unit_class] : undefined) ??
          (typeof stateUnit === 'string' ? stateUnit : meta.unit);
        const convert = converter(meta.unit_class, meta.unit, display) ?? ((v: number) => v);
        const step = period === 'hour' ? HOUR_MS : undefined;
        // Faults spoil hourly replies (the rows an import reads), not the reductions.
        result[id] = spoil(
          period === 'hour' ? store.faults.get(id) : undefined,
          rows.map((r, i) => wireRow(id, r, types, convert, step, rows[i - 1])),
        );
      }
      conn.sendResult(msg.id, result);
    },
  });

  const wireRow = (
    id: string,
    row: SimStatisticRow & { end?: number },
    types: ReadonlySet<StatType>,
    convert: (v: number) => number,
    step: number | undefined,
    previous: SimStatisticRow | undefined,
  ): Record<string, unknown> => {
    const iso = store.format.timestamps === 'iso';
    const time = (ms: number): number | string => (iso ? isoFromMicros(ms * 1000) : ms);
    const value = (v: number | undefined): number | null => (v === undefined ? null : convert(v));
    const out: Record<string, unknown> = {
      ...(iso ? { statistic_id: id } : {}),
      start: time(row.start),
      end: time(row.end ?? row.start + (step ?? HOUR_MS)),
    };
    if (types.has('last_reset'))
      out['last_reset'] = row.last_reset === undefined || row.last_reset === null ? null : time(row.last_reset);
    if (types.has('max')) out['max'] = value(row.max);
    if (types.has('mean')) out['mean'] = value(row.mean);
    if (types.has('min')) out['min'] = value(row.min);
    if (types.has('state')) out['state'] = value(row.state);
    if (types.has('sum')) out['sum'] = value(row.sum);
    if (types.has('change'))
      out['change'] =
        row.sum === undefined
          ? null
          : convert(row.sum) - (previous?.sum === undefined ? convert(row.sum) : convert(previous.sum));
    return out;
  };

  return commands;
}

// --- internal ---

function checkUnits(value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  const units = value as Record<string, unknown>;
  for (const [unitClass, unit] of Object.entries(units)) {
    const valid = validUnits(unitClass);
    if (valid === undefined)
      throw new CommandError(
        'invalid_format',
        `extra keys not allowed @ data['units']['${unitClass}']. Got ${JSON.stringify(unit)}`,
      );
    if (typeof unit !== 'string' || !valid.includes(unit))
      throw new CommandError(
        'invalid_format',
        `value must be one of ${JSON.stringify(valid)} for dictionary value @ data['units']['${unitClass}']. Got ${JSON.stringify(unit)}`,
      );
  }
  return units as Readonly<Record<string, string>>;
}

function checkTypes(value: unknown): ReadonlySet<StatType> {
  if (value === undefined) return new Set(TYPES);
  const types = new Set<StatType>();
  for (const t of value as string[]) {
    if (!(TYPES as readonly string[]).includes(t))
      throw new CommandError(
        'invalid_format',
        `value must be one of ${JSON.stringify(TYPES)} @ data['types'][0]. Got '${t}'`,
      );
    types.add(t as StatType);
  }
  return types;
}

/** Day/week/month rows reduced from hourly rows (UTC boundaries in the simulator). */
function reduce(rows: readonly SimStatisticRow[], period: string): (SimStatisticRow & { end: number })[] {
  const bucketOf = (ms: number): [number, number] => {
    const d = new Date(ms);
    if (period === 'month') {
      const s = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      return [s, Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
    }
    const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    if (period === 'day') return [day, day + 24 * HOUR_MS];
    const weekStart = day - ((d.getUTCDay() + 6) % 7) * 24 * HOUR_MS;
    return [weekStart, weekStart + 7 * 24 * HOUR_MS];
  };
  const out: (SimStatisticRow & { end: number })[] = [];
  let group: SimStatisticRow[] = [];
  let bucket: [number, number] | undefined;
  const flush = (): void => {
    if (bucket === undefined || group.length === 0) return;
    const means = group.flatMap((r) => (r.mean === undefined ? [] : [r.mean]));
    const mins = group.flatMap((r) => (r.min === undefined ? [] : [r.min]));
    const maxs = group.flatMap((r) => (r.max === undefined ? [] : [r.max]));
    const last = group[group.length - 1] as SimStatisticRow;
    out.push({
      start: bucket[0],
      end: bucket[1],
      ...(means.length > 0 ? { mean: means.reduce((a, b) => a + b, 0) / means.length } : {}),
      ...(mins.length > 0 ? { min: Math.min(...mins) } : {}),
      ...(maxs.length > 0 ? { max: Math.max(...maxs) } : {}),
      ...(last.sum === undefined ? {} : { sum: last.sum }),
      ...(last.state === undefined ? {} : { state: last.state }),
      ...(last.last_reset === undefined ? {} : { last_reset: last.last_reset }),
    });
  };
  for (const row of rows) {
    const b = bucketOf(row.start);
    if (bucket === undefined || b[0] !== bucket[0]) {
      flush();
      bucket = b;
      group = [];
    }
    group.push(row);
  }
  flush();
  return out;
}

/** Applies a statistic's fault to its wire rows. */
function spoil(fault: string | undefined, rows: Record<string, unknown>[]): unknown[] {
  if (fault === undefined || rows.length === 0) return rows;
  if (fault === 'malformed-row') return rows.map((r, i) => (i === 0 ? { ...r, start: 'yesterday-ish' } : r));
  if (fault === 'missing-field')
    return rows.map((r, i) => {
      if (i !== 0) return r;
      const { sum: _sum, mean: _mean, ...rest } = r;
      return rest;
    });
  // huge-reply: far more rows than the window has hours (HA answers in one frame, whatever its size).
  const huge: unknown[] = [];
  for (let i = 0; i < 50; i++) huge.push(...rows);
  return huge;
}
