import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Resident set size of a process in MB (Linux `/proc/<pid>/status` VmRSS; `ps` elsewhere; NaN when gone). */
export function procRssMb(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // not Linux, or the process is gone: fall through to ps
  }
  const out = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return out === '' ? Number.NaN : Number(out) / 1024;
}

/** CPU seconds (utime + stime) of a Linux process, from `/proc/<pid>/stat` (clock ticks of 1/100 s); NaN elsewhere. */
export function procCpuSeconds(pid: number): number {
  try {
    return cpuSecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/** utime + stime of one `/proc/<pid>/stat` line in seconds (fields 14 and 15, after the `(comm)` field). */
export function cpuSecondsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Resolves at the reference app's `ha-ingestor started` log line with its URL and the time it was seen
 * (`performance.now()`). Both pipes stay drained for the whole run (a full pipe would block the app's logger);
 * only the head of the log is kept, since the started line comes first.
 */
export function startedLine(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ readonly url: string; readonly at: number }> {
  return new Promise((resolve, reject) => {
    let text = '';
    let done = false;
    const timer = setTimeout(
      () => reject(new Error(`no "ha-ingestor started" within ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      if (done) return;
      if (text.length < 64_000) text += chunk.toString('utf8');
      const line = text.split('\n').find((l) => l.includes('"msg":"ha-ingestor started"'));
      if (line === undefined) return;
      done = true;
      clearTimeout(timer);
      resolve({ url: (JSON.parse(line) as { url: string }).url, at: performance.now() });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!done) reject(new Error(`exited ${code} before "ha-ingestor started":\n${text}`));
    });
  });
}
