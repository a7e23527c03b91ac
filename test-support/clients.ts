// Minimal HTTP clients for assertions against the real servers (not the code under test):
// InfluxQL over POST /query on InfluxDB 1.x, and /api/v1/export on VictoriaMetrics with flush + polling.

export interface InfluxCredentials {
  readonly username: string;
  readonly password: string;
}

export interface InfluxSeries {
  readonly name: string;
  readonly tags?: Record<string, string>;
  readonly columns: string[];
  readonly values: unknown[][];
}

interface InfluxStatementResult {
  readonly statement_id?: number;
  readonly series?: InfluxSeries[];
  readonly error?: string;
}

function authHeader(credentials: InfluxCredentials | undefined): Record<string, string> {
  if (!credentials) return {};
  const token = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
  return { authorization: `Basic ${token}` };
}

/**
 * Runs InfluxQL (POST /query, times as epoch µs) and returns the series of the first statement.
 * Throws on an HTTP error or a statement error, with the server's message.
 */
export async function influxQuery(
  url: string,
  db: string,
  q: string,
  credentials?: InfluxCredentials,
): Promise<InfluxSeries[]> {
  const body = new URLSearchParams({ q, epoch: 'u' });
  if (db) body.set('db', db);
  const response = await fetch(`${url}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...authHeader(credentials) },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`InfluxDB /query ${response.status}: ${text}`);
  const json = JSON.parse(text) as { results?: InfluxStatementResult[]; error?: string };
  if (json.error) throw new Error(`InfluxDB /query: ${json.error}`);
  const first = json.results?.[0];
  if (first?.error) throw new Error(`InfluxDB /query: ${first.error}`);
  return first?.series ?? [];
}

/** The rows of a query as objects keyed by column (plus the series' tags and `_measurement`). */
export async function influxRows(
  url: string,
  db: string,
  q: string,
  credentials?: InfluxCredentials,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const series of await influxQuery(url, db, q, credentials)) {
    for (const values of series.values) {
      const row: Record<string, unknown> = { _measurement: series.name, ...series.tags };
      series.columns.forEach((column, i) => (row[column] = values[i]));
      rows.push(row);
    }
  }
  return rows;
}

/** CREATE DATABASE (idempotent). */
export async function createInfluxDatabase(url: string, db: string, credentials?: InfluxCredentials): Promise<void> {
  await influxQuery(url, '', `CREATE DATABASE "${db.replace(/"/g, '\\"')}"`, credentials);
}

export interface VmExportRow {
  readonly metric: Record<string, string>;
  readonly values: number[];
  readonly timestamps: number[];
}

export interface VmExportOptions {
  /** Polling stops once this holds (default: at least one row). */
  readonly until?: (rows: readonly VmExportRow[]) => boolean;
  /** Deadline; on a fresh storage new series can take ~10 s to become visible. Default 15 000. */
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

export async function vmForceFlush(url: string): Promise<void> {
  const response = await fetch(`${url}/internal/force_flush`);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`VictoriaMetrics force_flush ${response.status}`);
}

async function vmExportOnce(url: string, match: string): Promise<VmExportRow[]> {
  const response = await fetch(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': match })}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`VictoriaMetrics export ${response.status}: ${text}`);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as VmExportRow);
}

/**
 * Exports series matching `match` (e.g. `{__name__=~"state_.*"}`), flushing and polling until `until`
 * holds or the deadline passes; returns the last rows read either way (assert on them).
 */
export async function vmExport(url: string, match: string, options: VmExportOptions = {}): Promise<VmExportRow[]> {
  const until = options.until ?? ((rows) => rows.length > 0);
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const interval = options.intervalMs ?? 100;
  for (;;) {
    await vmForceFlush(url);
    const rows = await vmExportOnce(url, match);
    if (until(rows) || Date.now() >= deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
