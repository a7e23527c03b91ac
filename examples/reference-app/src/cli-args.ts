/** Parsed command line of the `ha-ingestor` CLI. */
export interface CliArgs {
  readonly command: 'run' | 'demo' | 'import' | 'import-statistics' | 'export' | 'check-config' | 'help' | 'version';
  readonly config?: string;
  readonly forSeconds?: number;
  readonly start?: string;
  readonly end?: string;
  readonly entities?: readonly string[];
  readonly port?: number;
  /** export: `--format` (checked by the command) and `--out` (a file or `-`). */
  readonly format?: string;
  readonly out?: string;
  /** import-statistics: ISO 8601 start; `ids`: statistic id globs. */
  readonly since?: string;
  readonly ids?: readonly string[];
  readonly dryRun?: boolean;
  /** export and import-statistics: `--json` progress lines on stderr. */
  readonly json?: boolean;
}

/** Options that take no value. */
const FLAGS = new Set(['dry-run', 'json']);

export const USAGE = `Usage: ha-ingestor <command> [options]

Commands:
  run [--config file.yaml]            Run the ingestor service (config from the file and the environment)
  demo [--for <seconds>] [--port N]   Run the full system on embedded defaults: HA simulator, embedded MQTT
                                      broker, file sink and HTTP API; no external services needed
  import --start <iso> --end <iso> [--entities a,b] [--config file.yaml]
                                      Import HA history through the same pipeline (same points as live)
  import-statistics [--since <iso>] [--ids <glob,...>] [--dry-run] [--json] [--config file.yaml]
                                      Import HA's hourly long-term statistics (years of history), resumable;
                                      a second run adds nothing
  export --start <iso> --end <iso> [--entities a,b] [--format parquet|csv|ndjson|json|lp] [--out <file|->]
         [--json] [--config file.yaml]
                                      Export a time range from the configured InfluxDB (default ndjson to
                                      stdout); progress on stderr (--json: as JSON lines)
  check-config [--config file.yaml]   Validate and print the effective config (secrets masked)
  help | --help                       This text
  version | --version                 Print the version`;

/** Parses argv (without node and script). Throws an Error with a clear message on bad input. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const [first, ...rest] = argv;
  const command = normaliseCommand(first);
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}\n\n${USAGE}`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value = eq === -1 ? undefined : arg.slice(eq + 1);
    if (FLAGS.has(name)) {
      if (value !== undefined) throw new Error(`--${name} takes no value`);
      value = 'true';
    } else if (value === undefined) {
      value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
      i++;
    }
    if (
      ![
        'config',
        'for',
        'start',
        'end',
        'entities',
        'port',
        'format',
        'out',
        'since',
        'ids',
        'dry-run',
        'json',
      ].includes(name)
    )
      throw new Error(`unknown option --${name}\n\n${USAGE}`);
    values.set(name, value);
  }
  const forValue = values.get('for');
  const forSeconds = forValue === undefined ? undefined : Number(forValue);
  if (forSeconds !== undefined && (!Number.isFinite(forSeconds) || forSeconds <= 0)) {
    throw new Error(`--for expects a positive number of seconds (got ${JSON.stringify(forValue)})`);
  }
  const portValue = values.get('port');
  const port = portValue === undefined ? undefined : Number(portValue);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new Error(`--port expects an integer 0–65535 (got ${JSON.stringify(portValue)})`);
  }
  if ((command === 'import' || command === 'export') && (!values.has('start') || !values.has('end')))
    throw new Error(`${command} needs --start and --end (ISO 8601 times)`);
  const exportOnly = ['format', 'out'].find((n) => values.has(n));
  if (exportOnly !== undefined && command !== 'export') throw new Error(`--${exportOnly} is an option of export`);
  const statisticsOnly = ['since', 'ids', 'dry-run'].find((n) => values.has(n));
  if (statisticsOnly !== undefined && command !== 'import-statistics')
    throw new Error(`--${statisticsOnly} is an option of import-statistics`);
  if (values.has('json') && command !== 'export' && command !== 'import-statistics')
    throw new Error('--json is an option of export and import-statistics');
  const entities = commaList(values.get('entities'));
  const ids = commaList(values.get('ids'));
  return {
    command,
    ...(values.has('config') ? { config: values.get('config') as string } : {}),
    ...(forSeconds === undefined ? {} : { forSeconds }),
    ...(values.has('start') ? { start: values.get('start') as string } : {}),
    ...(values.has('end') ? { end: values.get('end') as string } : {}),
    ...(entities === undefined ? {} : { entities }),
    ...(port === undefined ? {} : { port }),
    ...(values.has('format') ? { format: values.get('format') as string } : {}),
    ...(values.has('out') ? { out: values.get('out') as string } : {}),
    ...(values.has('since') ? { since: values.get('since') as string } : {}),
    ...(ids === undefined ? {} : { ids }),
    ...(values.has('dry-run') ? { dryRun: true } : {}),
    ...(values.has('json') ? { json: true } : {}),
  };
}

// --- internal ---

function commaList(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function normaliseCommand(first: string | undefined): CliArgs['command'] {
  switch (first) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return 'help';
    case 'version':
    case '--version':
    case '-v':
      return 'version';
    case 'run':
    case 'demo':
    case 'import':
    case 'export':
    case 'import-statistics':
    case 'check-config':
      return first;
    default:
      throw new Error(`unknown command ${JSON.stringify(first)}\n\n${USAGE}`);
  }
}
