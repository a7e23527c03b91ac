/**
 * Scale-out scenario (issue 16): an edge (source-ws → natsSink) and a writer (natsSource → influxSink into the
 * discard endpoint) in child processes, against a nats-server started here through scripts/services.sh.
 * The edge run fills the stream; each drain then reads the whole stream through a fresh durable consumer,
 * with 1 and with 2 writer processes sharing it. Figures are ratios to scenario 3 "ours" of the same run.
 */
import { spawnSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sleep } from '@ha-ingestor/core/resilience';
import type { HaSimulator } from '@ha-ingestor/ha-simulator';
import type { ChildRuntime, E2eResult } from './e2e/runner.js';
import { DEFAULT_SETTINGS, runIngestor } from './e2e/runner.js';
import type { ChildMeasurement, FromChild, NatsTarget, ToChild } from './e2e/protocol.js';
import type { Plan } from './scenarios.js';

/** One backlog drain by `writers` processes sharing a durable consumer. */
export interface DrainResult {
  readonly writers: number;
  readonly backlog: number;
  readonly handled: number;
  readonly wallSeconds: number;
  /** Backlog events written per wall second (all writers together). */
  readonly eventsPerSecond: number;
  /** Events per CPU-second, summed over the writer processes. */
  readonly eventsPerCpuSecond: number;
  readonly complete: boolean;
}

export interface NatsScenario {
  readonly server: string;
  readonly edge: E2eResult | { readonly error: string };
  readonly drain1: DrainResult | { readonly error: string };
  readonly drain2: DrainResult | { readonly error: string };
}

export type NatsScenarioResult = NatsScenario | { readonly skipped: string } | { readonly error: string };

const ROOT = new URL('..', import.meta.url).pathname;

export async function scenarioNats(
  env: { sim: HaSimulator; sinkUrl: string; child: ChildRuntime },
  plan: Plan,
): Promise<NatsScenarioResult> {
  if (spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).status !== 0)
    return { skipped: 'nats-server is not installed (apt-get install nats-server); scale-out scenario skipped' };
  const dir = mkdtempSync(join(tmpdir(), 'ha-ingestor-bench-nats-'));
  const script = join(ROOT, 'scripts', 'services.sh');
  const started = spawnSync('bash', [script, 'start', 'nats', '--dir', dir, '--watch-pid', String(process.pid)], {
    encoding: 'utf8',
  });
  try {
    if (started.status !== 0) return { error: `services.sh start nats failed: ${started.stderr.slice(-500)}` };
    const url = (JSON.parse(readFileSync(join(dir, 'services.json'), 'utf8')) as { nats: { url: string } }).nats.url;
    const base = { url, stream: 'BENCH', subjectPrefix: 'bench.events' };
    const edge = await runIngestor(
      env.child,
      env.sim,
      env.sinkUrl,
      'edge-nats',
      { ...DEFAULT_SETTINGS, nats: { ...base, consumer: 'unused' } },
      { kind: 'throughput', events: plan.e2eEvents, window: 4000 },
      plan.childTimeoutMs,
      plan.warmupEvents,
    ).catch((error: unknown) => ({ error: String(error) }));
    const backlog = await streamMessages(url, base.stream);
    const drain1 = await drain(env, plan, { ...base, consumer: 'drain1' }, 1, backlog).catch((error: unknown) => ({
      error: String(error),
    }));
    const drain2 = await drain(env, plan, { ...base, consumer: 'drain2' }, 2, backlog).catch((error: unknown) => ({
      error: String(error),
    }));
    return { server: 'nats-server (1 node, JetStream file storage)', edge, drain1, drain2 };
  } finally {
    spawnSync('bash', [script, 'stop', '--dir', dir], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- internal ---

async function streamMessages(url: string, stream: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  } finally {
    await nc.close();
  }
}

/** Forks `writers` writer children on one durable consumer, starts them together, waits for the backlog. */
async function drain(
  env: { sinkUrl: string; child: ChildRuntime },
  plan: Plan,
  nats: NatsTarget,
  writers: number,
  backlog: number,
): Promise<DrainResult> {
  const deadline = Date.now() + plan.childTimeoutMs;
  const children = Array.from({ length: writers }, () => {
    const child = fork(env.child.path, [], {
      execArgv: [...env.child.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const state = { handled: 0, inbox: [] as FromChild[], error: undefined as string | undefined };
    child.on('message', (m: FromChild) => {
      if (m.type === 'progress') state.handled = m.handled;
      else if (m.type === 'error') state.error = m.message;
      else state.inbox.push(m);
    });
    const tell = (m: ToChild) => child.send(m);
    const next = async <T extends FromChild['type']>(type: T): Promise<Extract<FromChild, { type: T }>> => {
      for (;;) {
        const i = state.inbox.findIndex((m) => m.type === type);
        if (i >= 0) return state.inbox.splice(i, 1)[0] as Extract<FromChild, { type: T }>;
        if (state.error !== undefined) throw new Error(`writer child failed: ${state.error}`);
        if (Date.now() > deadline) throw new Error(`writer child: no ${type} before the deadline`);
        await sleep(10);
      }
    };
    return { child, state, tell, next };
  });
  try {
    for (const c of children)
      c.tell({
        cmd: 'init',
        mode: 'writer-nats',
        url: 'unused',
        token: 'unused',
        sinkUrl: env.sinkUrl,
        settings: { ...DEFAULT_SETTINGS, nats },
      });
    for (const c of children) await c.next('ready');
    const t0 = Date.now();
    for (const c of children) c.tell({ cmd: 'mark' });
    for (const c of children) await c.next('marked');
    const total = () => children.reduce((sum, c) => sum + c.state.handled, 0);
    while (total() < backlog && Date.now() < deadline) await sleep(5);
    const wallSeconds = (Date.now() - t0) / 1000;
    const measured: ChildMeasurement[] = [];
    for (const c of children) {
      c.tell({ cmd: 'measure' });
      measured.push((await c.next('measured')).result);
    }
    const cpu = measured.reduce((sum, m) => sum + m.cpuSeconds, 0);
    const handled = total();
    return {
      writers,
      backlog,
      handled,
      wallSeconds,
      eventsPerSecond: handled / wallSeconds,
      eventsPerCpuSecond: handled / cpu,
      complete: handled >= backlog,
    };
  } finally {
    for (const c of children) {
      if (c.child.connected) c.tell({ cmd: 'exit' });
    }
    await sleep(300);
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  }
}
