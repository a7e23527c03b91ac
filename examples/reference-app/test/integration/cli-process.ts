import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A CLI child process with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code (or 128+signal). */
  readonly exited: Promise<number>;
  /** Resolves with the first JSON log record whose msg equals `msg`. */
  readonly waitForLog: (msg: string, timeoutMs: number) => Promise<Record<string, unknown>>;
}

/** Where {@link startCli} runs: the repository's bin by default, or an installed one (test/integration/deploy.test.ts). */
export interface CliLocation {
  /** An executable (the installed `node_modules/.bin/ha-ingestor`), run directly through its shebang. */
  readonly executable?: string;
  readonly cwd?: string;
}

/** Starts `ha-ingestor <args>` through the real bin, with `env` added to a minimal environment. */
export function startCli(args: readonly string[], env: Record<string, string>, where: CliLocation = {}): CliProcess {
  const [command, argv] =
    where.executable === undefined
      ? [process.execPath, [join(appDir, 'bin', 'ha-ingestor.js'), ...args]]
      : [where.executable, [...args]];
  const child = spawn(command, argv, {
    cwd: where.cwd ?? appDir,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: { msg: string; resolve: (r: Record<string, unknown>) => void }[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const w of [...waiters]) {
        if (record['msg'] === w.msg) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(record);
        }
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  return {
    child,
    output: () => text,
    exited,
    waitForLog: (msg, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no log "${msg}" within ${timeoutMs} ms; output:\n${text.slice(-3000)}`)),
          timeoutMs,
        );
        waiters.push({
          msg,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
        onData(Buffer.alloc(0));
      }),
  };
}
