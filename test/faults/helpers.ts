import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, pingOnce, waitFor } from '../cache/helpers.js';

export { captureLogger, freePort, sleep, waitFor } from '../cache/helpers.js';
export { HashEmbedder } from '../helpers/hash-embedder.js';

/** Resolves with the value and how long it took. */
export async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t0 };
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the assertion on the body says so
  }
  return { status: res.status, body, ms: performance.now() - t0 };
}

// ---------------------------------------------------------------------------------------------------------
// Redis: a server of our own on a free port, in a temp dir, that a test may kill and restart on the same port.

export class OwnRedis {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'sa-fault-redis-')));
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', this.dir, '--logfile', ''],
      { stdio: 'ignore' },
    );
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    await waitFor(() => pingOnce(this.port), 5000, `redis-server on port ${this.port}`);
  }

  /** SIGKILL by default: the server vanishes mid-run without a goodbye. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    this.child = null;
  }

  async destroy(): Promise<void> {
    await this.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Postgres 15: a server of our own (initdb in a temp dir), stopped and started again mid-test.

const PG_BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export class OwnPostgres {
  private running = false;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly asPostgres: boolean,
  ) {}

  /** initdb refuses to run as root, so as root everything runs as the `postgres` user (runuser). */
  static async start(): Promise<OwnPostgres> {
    const root = process.getuid?.() === 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-fault-pg-'));
    if (root) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      fs.chownSync(dir, uid, gid);
    }
    const pg = new OwnPostgres(await freePort(), dir, root);
    pg.run('initdb', ['-D', pg.data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    await pg.up();
    return pg;
  }

  get data(): string {
    return path.join(this.dir, 'data');
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(bin: string, args: string[]): void {
    const cmd = path.join(PG_BIN, bin);
    const [file, argv] = this.asPostgres ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    // pg_ctl gets a log file (-l), so nothing holds our stdio once it returns.
    const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${bin} failed (${r.status}): ${r.stderr || r.stdout}`);
  }

  async up(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    this.run('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'server.log'), '-o', opts, '-w', '-t', '30', 'start']);
    this.running = true;
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    this.run('pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '30', 'stop']);
    this.running = false;
  }

  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Elasticsearch: just enough of the REST API on loopback for the real client and adapter to start, index and
// search; closing it leaves a closed port, which is what the adapter meets in the outage.

export class FakeElasticsearch {
  private server: http.Server | null = null;
  readonly docs = new Map<string, string>();
  requests = 0;
  /** `METHOD /path` of every request served. */
  readonly paths: string[] = [];
  private constructor(readonly port: number) {}

  static async start(): Promise<FakeElasticsearch> {
    const es = new FakeElasticsearch(await freePort());
    await es.up();
    return es;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        this.requests++;
        const send = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
          res.end(JSON.stringify(json));
        };
        const p = new URL(req.url ?? '/', this.url).pathname;
        this.paths.push(`${req.method} ${p}`);
        if (req.method === 'GET' && p === '/') return send(200, { name: 'fake', cluster_name: 'fake', version: { number: '8.13.0' }, tagline: 'You Know, for Search' });
        if (p.startsWith('/_index_template/')) return send(200, { acknowledged: true });
        if (p.endsWith('/_delete_by_query')) return send(200, { took: 1, deleted: 0, total: 0, failures: [] });
        if (p === '/_bulk') {
          const lines = body.split('\n').filter(Boolean).map((l) => JSON.parse(l));
          const items: unknown[] = [];
          for (let i = 0; i < lines.length; i += 2) {
            const a = lines[i].index as { _index: string; _id: string };
            const d = lines[i + 1] ?? {};
            this.docs.set(a._id, String(d.text ?? d.text_es ?? d.text_de ?? d.text_other ?? ''));
            items.push({ index: { ...a, status: 201, result: 'created' } });
          }
          return send(200, { took: 1, errors: false, items });
        }
        if (p.endsWith('/_search')) {
          const q = JSON.parse(body || '{}');
          // A question in a known language is a bool of its own fields' match and the others' (its first is whole).
          const first = q.query?.bool?.must?.[0];
          const must = first?.bool?.should?.[0] ?? first;
          const text: string = must?.multi_match?.query ?? must?.match?.text?.query ?? '';
          const terms = text.toLowerCase().match(/[a-z]{3,}/g) ?? [];
          const hits = [...this.docs.entries()]
            .map(([id, t]) => ({ _id: id, _score: terms.filter((w) => t.toLowerCase().includes(w)).length }))
            .filter((h) => h._score > 0)
            .sort((a, b) => b._score - a._score)
            .slice(0, q.size ?? 10);
          return send(200, { took: 1, timed_out: false, hits: { hits } });
        }
        if (p.endsWith('/_count')) return send(200, { count: this.docs.size });
        if (req.method === 'PUT') return send(200, { acknowledged: true, shards_acknowledged: true, index: p.slice(1) });
        return send(404, { error: { type: 'not_found', reason: `fake ES: no route ${req.method} ${p}` }, status: 404 });
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Closes the port and every open connection: the client's keep-alive sockets break too. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise((r) => server.close(r));
    server.closeAllConnections();
    await closed;
  }
}
