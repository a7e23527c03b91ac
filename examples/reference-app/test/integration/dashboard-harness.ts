import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noopLogger } from '@ha-ingestor/core';
import { createHaSimulator, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { isCi } from '../../../../test-support/services.js';
import { resolveConfig } from '../../src/config.js';
import { startService, type RunningService } from '../../src/service.js';

// Issue 15: the dashboard's browser tests drive Debian's `chromium` (browser downloads are unreachable here)
// through playwright-core. A missing chromium skips loudly on a laptop and fails under CI=true.

/** Debian's chromium, or CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Screenshots and other artifacts of the browser tests (the repository's .tmp/, ignored by git). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../../.tmp/dashboard-artifacts/', import.meta.url));

/** True when chromium is installed; false (with a loud warning) on a laptop without it; a throw under CI. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `${CHROMIUM_PATH} is missing: install it with \`apt-get install -y chromium\` (scripts/services.sh does under CI)`;
  if (isCi()) throw new Error(`CI requires chromium for the dashboard tests: ${message}`);
  console.warn(`\n!!! skipping the dashboard browser tests: ${message}\n`);
  return false;
}

/** Launches headless chromium (no sandbox: CI runs as root). */
export async function launchChromium(): Promise<Browser> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Console errors and uncaught page errors, collected while the page lives. */
export function watchConsole(page: Page, ignore: RegExp = /$^/): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' && !ignore.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

/** The whole service in this process over the HA simulator (whose faults the test drives) and the file sink. */
export interface DashboardApp {
  readonly sim: HaSimulator;
  readonly service: RunningService;
  readonly url: string;
  readonly close: () => Promise<void>;
}

/** Starts {@link DashboardApp}; `apiToken` protects the API as API_TOKEN does. */
export async function startDashboardApp(options: { apiToken?: string; ratePerSecond?: number } = {}) {
  const sim = await createHaSimulator({ seed: 15 });
  const dataDir = await mkdtemp(join(tmpdir(), 'ha-ingestor-dashboard-'));
  const config = resolveConfig(
    {
      homeAssistant: { url: sim.url, token: sim.token },
      fileSink: { enabled: 'true' },
      dataDir,
      http: { port: 0, ...(options.apiToken === undefined ? {} : { apiToken: options.apiToken }) },
      pipeline: { batchTimeoutS: 0.5 },
    },
    {},
  );
  const service = await startService(config, noopLogger, { version: '0.0.0-dashboard-test' });
  sim.startGenerator({ ratePerSecond: options.ratePerSecond ?? 20 });
  return {
    sim,
    service,
    url: service.url,
    close: async () => {
      sim.stopGenerator();
      await service.stop();
      await sim.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  } satisfies DashboardApp;
}

/**
 * A stand-in for HA's ingress proxy: serves `target` below `prefix` (`/api/hassio_ingress/<token>/`),
 * stripping it from each request as the Supervisor does, and streams answers through (SSE included).
 */
export async function startPrefixProxy(
  target: string,
  prefix: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end('outside the ingress prefix');
      return;
    }
    const upstream = request(
      {
        host: to.hostname,
        port: to.port,
        path: `/${path.slice(prefix.length)}`,
        method: req.method,
        headers: { ...req.headers, host: to.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
