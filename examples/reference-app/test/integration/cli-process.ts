import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@ha-ingestor/core/testing';

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

/**
 * `ha-ingestor run` started and ready: {@link startCli}, a cleanup that kills it (SIGKILL unless it already
 * exited) pushed onto `cleanups`, then the `ha-ingestor started` log line and `/ready` answering 200.
 */
export async function startReadyCli(
  env: Record<string, string>,
  cleanups: (() => Promise<unknown>)[],
): Promise<{ cli: CliProcess; url: string }> {
  const cli = startCli(['run'], env);
  cleanups.push(async () => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await cli.exited;
  });
  const url = (await cli.waitForLog('ha-ingestor started', 30_000))['url'] as string;
  await waitFor(async () => (await fetch(`${url}/ready`)).status, '/ready 200', {
    until: (status) => status === 200,
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  return { cli, url };
}
