import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type ServiceOptions, type Services } from '../../src/main/services.js';
import { createApp, type Runtime } from '../../src/http/api/app.js';
import { migratedTemplate } from './db.js';

export const DEV = path.resolve(__dirname, '../../../shared/eval/dev');
export const devTranscript = (id: string) => fs.readFileSync(path.join(DEV, 'recordings', `${id}.vtt`), 'utf8');

export interface TestServer {
  url: string;
  services: Services;
  runtime: Runtime;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The real app on a real loopback port, over in-memory PGlite. Writes are open (AUTH_PUBLIC_WRITE=on) and
 * unlimited unless a test says otherwise: the access-control and rate-limit tests set their own.
 */
export async function startTestServer(env: Record<string, string> = {}, opts: ServiceOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-test-'));
  const cfg = loadConfig({ LOG_LEVEL: 'silent', AUTH_PUBLIC_WRITE: 'on', RATE_LIMIT_PER_MIN: '0', ...env, DATA_DIR: dataDir });
  const services = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedCacheDir: null, ...opts });
  const { app, runtime, close: closeApp } = createApp(services);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    services,
    runtime,
    dataDir,
    async close() {
      await new Promise((r) => server.close(r));
      await closeApp();
      await runtime.runner.idle();
      await services.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The HTML of a page of the test server, which must answer 200. */
export async function pageHtml(t: TestServer, path: string): Promise<string> {
  const res = await fetch(t.url + path);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.text();
}

export function transcriptForm(name: string, content: string, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.set('file', new File([content], name, { type: 'text/vtt' }));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}

/** Ingests dev transcripts through POST /v1/ingest, each `[id, title, recorded_at, collection]`. */
export async function ingestDev(t: TestServer, recordings: [string, string, string, string][]): Promise<void> {
  for (const [id, title, recorded_at, collection] of recordings) {
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(`${id}.vtt`, devTranscript(id), { id, title, recorded_at, collection }) });
    if (res.status !== 201) throw new Error(`ingest ${id}: ${res.status} ${await res.text()}`);
  }
}
