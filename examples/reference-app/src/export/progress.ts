/** Options of {@link createExportProgress}. */
export interface ExportProgressOptions {
  readonly write: (text: string) => void;
  /** `bar`: a carriage-return line (stderr is a TTY); `json`: one JSON object per line; `quiet`: final summary only. */
  readonly mode: 'bar' | 'json' | 'quiet';
  readonly now: () => number;
  /** Least time between two progress lines (ms). @default 250 for bar, 1000 for json */
  readonly everyMs?: number;
}

/** Final figures of an export. */
export interface ExportSummary {
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

/** Progress of an export on stderr: rows, rate and an ETA from the fraction of the time range read. */
export interface ExportProgress {
  readonly update: (rows: number, fraction: number) => void;
  /** Writes the final summary (every mode) and returns the figures. */
  readonly done: (rows: number) => ExportSummary;
}

/**
 * Creates the progress reporter. The ETA assumes the rest of the range is as dense as what was read
 * (rows arrive window by window, so the fraction is the share of the time range fully read).
 */
export function createExportProgress(options: ExportProgressOptions): ExportProgress {
  const started = options.now();
  const every = options.everyMs ?? (options.mode === 'json' ? 1000 : 250);
  let last = -Infinity;
  let shown = false;
  const figures = (rows: number, fraction: number) => {
    const seconds = Math.max(0.001, (options.now() - started) / 1000);
    const rate = rows / seconds;
    const eta = fraction > 0 && fraction < 1 ? (seconds * (1 - fraction)) / fraction : fraction >= 1 ? 0 : undefined;
    return { seconds, rate, eta };
  };
  return {
    update: (rows, fraction) => {
      if (options.mode === 'quiet') return;
      const t = options.now();
      if (t - last < every) return;
      last = t;
      const { rate, eta } = figures(rows, fraction);
      if (options.mode === 'json') {
        options.write(
          `${JSON.stringify({ progress: true, rows, rows_per_second: Math.round(rate), fraction: round3(fraction), eta_seconds: eta === undefined ? null : Math.round(eta) })}\n`,
        );
        return;
      }
      shown = true;
      options.write(
        `\r${rows.toLocaleString('en-US')} rows  ${Math.round(rate).toLocaleString('en-US')} rows/s  ${(fraction * 100).toFixed(0).padStart(3)}%  ETA ${eta === undefined ? '?' : clock(eta)}   `,
      );
    },
    done: (rows) => {
      const { seconds, rate } = figures(rows, 1);
      const summary = { rows, seconds: round3(seconds), rowsPerSecond: Math.round(rate) };
      if (options.mode === 'json') {
        options.write(
          `${JSON.stringify({ done: true, rows, seconds: summary.seconds, rows_per_second: summary.rowsPerSecond })}\n`,
        );
      } else {
        options.write(
          `${shown ? '\n' : ''}exported ${rows.toLocaleString('en-US')} rows in ${summary.seconds.toFixed(1)} s (${summary.rowsPerSecond.toLocaleString('en-US')} rows/s)\n`,
        );
      }
      return summary;
    },
  };
}

// --- internal ---

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
