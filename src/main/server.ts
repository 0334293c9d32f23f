import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve as serveHttp } from '@hono/node-server';
import { type Config, onShutdown } from '../core/index.js';
import { openServices } from './services.js';
import { ingestManifest, createJobRuntime } from '../ingest/index.js';
import { createApp } from '../http/index.js';
import { adminSocketPath, serveAdmin } from './admin.js';
import { warmUp } from '../retrieval/index.js';

export const SAMPLE_MANIFEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sample/manifest.jsonl');

/** Starts the API; on an empty archive it first loads the sample archive shipped in the repository. */
export async function serve(cfg: Config): Promise<void> {
  const s = await openServices(cfg);
  if (cfg.SAMPLE_ARCHIVE === 'on' && (await s.archive.counts()).recordings === 0 && fs.existsSync(SAMPLE_MANIFEST)) {
    s.log.info('empty archive: loading the sample archive');
    const summary = await ingestManifest(s, SAMPLE_MANIFEST);
    s.log.info({ ingested: summary.ingested, failed: summary.failed }, 'sample archive loaded');
  }
  // In-process queue: jobs run here. BullMQ: this process only enqueues (workers run `npm run worker`),
  // unless WORKERS_IN_API=on. Unfinished jobs found in Postgres are resumed by whoever runs handlers.
  const runtime = createJobRuntime(s);
  await runtime.start();
  s.log.info({ queue: runtime.queue.kind, handlers: runtime.consume }, 'job runtime started');
  const { app, keys, close: closeApp } = createApp(s, runtime);
  // This process alone has the embedded database open: `keys`, `audit`, `backup`, `compact`, `search` and `ask` from the command line are run here.
  const owner = s.db.owner;
  const admin = owner
    ? await serveAdmin(adminSocketPath(cfg.dataDir), keys, s.db, s.log, { db: s.db, blobs: s.blobs, lexical: s.lexical, vectors: s.vectors, services: s }).catch((err: unknown) => {
        s.log.warn({ err }, 'no admin socket: `keys`, `audit`, `backup`, `compact`, `search` and `ask` will have to wait until the server stops');
        return undefined;
      })
    : undefined;
  await warmUp(s);
  const server = serveHttp({ fetch: app.fetch, port: cfg.PORT, hostname: cfg.HOST }, (info) => {
    const url = `http://${cfg.HOST === '0.0.0.0' ? 'localhost' : cfg.HOST}:${info.port}`;
    owner?.update({ url, admin: admin && adminSocketPath(cfg.dataDir) });
    s.log.info(`listening on http://${cfg.HOST}:${info.port}`);
    console.log(`Speech archive listening on ${url}  (try /v1/search?q=...)`);
  });
  onShutdown(async () => {
    await new Promise((r) => server.close(r));
    await admin?.close();
    await closeApp();
    await runtime.close();
    await s.close();
  }, s.log);
}
