// Global setup of the `integration` vitest project: starts the real servers (Mosquitto, InfluxDB 1.x,
// VictoriaMetrics) through scripts/services.sh in a state dir of its own, so concurrent runs never collide,
// provides their URLs to the tests (`inject('services')`, see test-support/services.ts) and stops them after.
//
// - CI=true|1: a server that can't start fails the run.
// - Otherwise: a loud warning, and tests that need a server skip themselves.
// - HA_INGESTOR_SERVICES_JSON=/path/services.json reuses servers that are already running (never stopped here).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { isCi, readServicesJson } from '../test-support/services-info.js';
import type { ServicesInfo } from '../test-support/services-info.js';
import '../test-support/provided-context.js';

const script = join(dirname(fileURLToPath(import.meta.url)), 'services.sh');
const START_TIMEOUT_MS = 300_000; // includes a first-time apt install
const STOP_TIMEOUT_MS = 60_000;

interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

function runScript(args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      output += `\n[services] timed out after ${timeoutMs} ms`;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function loudWarning(reason: string): void {
  const bar = '!'.repeat(100);
  console.warn(
    `\n${bar}\n!! INTEGRATION SERVERS UNAVAILABLE — tests that need them are SKIPPED (under CI=true they fail).\n` +
      `!! ${reason.trim().split('\n').join('\n!! ')}\n${bar}\n`,
  );
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const reuse = process.env['HA_INGESTOR_SERVICES_JSON'];
  if (reuse) {
    const info: ServicesInfo = await readServicesJson(reuse);
    project.provide('services', info);
    return undefined;
  }

  const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-services-'));
  const stop = async (): Promise<void> => {
    const result = await runScript(['stop', '--dir', dir], STOP_TIMEOUT_MS);
    if (result.code !== 0) console.warn(`[services] stop failed (exit ${String(result.code)}):\n${result.output}`);
    await rm(dir, { recursive: true, force: true });
  };

  let failure: string | undefined;
  try {
    const result = await runScript(['start', '--dir', dir, '--watch-pid', String(process.pid)], START_TIMEOUT_MS);
    if (result.code !== 0) failure = `scripts/services.sh start exited with ${String(result.code)}:\n${result.output}`;
  } catch (error) {
    failure = `could not run scripts/services.sh: ${error instanceof Error ? error.message : String(error)}`;
  }

  if (failure === undefined) {
    try {
      project.provide('services', await readServicesJson(join(dir, 'services.json')));
      return stop;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
  }

  await stop();
  if (isCi()) throw new Error(`integration servers failed to start (CI: failing the run)\n${failure}`);
  loudWarning(failure);
  project.provide('services', { available: false, reason: failure });
  return undefined;
}
