import { spawnSync } from 'node:child_process';
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
