import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisCache } from '../../src/platform/cache/index.js';
import { captureLogger, cleanupPrefix, CutProxy, freePort, REDIS_URL, runPrefix, sleep, startRedis, stopRedis, timed, waitFor } from './helpers.js';

const UNAVAILABLE = 'redis cache unavailable; caching is off until it returns';
const BACK = 'redis cache is back; caching is on';
const FAST_MS = 500;

/** Every cache operation, each timed; none may throw and none may take long. */
async function exerciseQuickly(c: RedisCache): Promise<void> {
  const ops: Array<[string, () => Promise<unknown>]> = [
    ['get', () => c.get('search', 'q')],
    ['set', () => c.set('search', 'q', { v: 1 })],
    ['getBinary', () => c.getBinary('qemb', 'q')],
    ['setBinary', () => c.setBinary('qemb', 'q', new Float32Array([1]))],
    ['getBytes', () => c.getBytes('search', 'q')],
    ['setBytes', () => c.setBytes('search', 'q', Buffer.from('{}'))],
    ['generation', () => c.generation()],
  ];
  for (const [name, op] of ops) {
    const { value, ms } = await timed(op());
    expect(ms, `${name} took ${ms.toFixed(0)} ms`).toBeLessThan(FAST_MS);
    if (name.startsWith('get')) expect(value, name).toBeUndefined();
  }
}

const count = (lines: Array<{ msg: string }>, msg: string) => lines.filter((l) => l.msg === msg).length;

describe('redis cache when Redis is unavailable', () => {
  const servers: ChildProcess[] = [];
  const caches: RedisCache[] = [];
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()));
    for (const s of servers.splice(0)) {
      if (s.signalCode === null && s.exitCode === null) s.kill('SIGCONT');
      await stopRedis(s);
    }
  });

  it('answers misses and no-ops quickly when nothing listens on the port', async () => {
    const port = await freePort();
    const log = captureLogger();
    const c = new RedisCache({ url: `redis://127.0.0.1:${port}`, ttlS: 60, logger: log.logger, keyPrefix: 'sa:fault:' });
    caches.push(c);
    await exerciseQuickly(c);
    expect(c.stats().degraded).toBe(true);
    await sleep(1500); // several reconnect attempts fail meanwhile
    await exerciseQuickly(c);
    expect(count(log.warnings(), UNAVAILABLE)).toBe(1);
    expect(log.warnings()).toHaveLength(1);
    const bump = await timed(c.bumpGeneration()); // deferred, with a warning of its own, not thrown
    expect(bump.ms).toBeLessThan(FAST_MS);
    expect(c.stats()).toMatchObject({ backend: 'redis', degraded: true, hits: 0 });
  });

  it('turns off when its Redis is killed mid-run and back on when it restarts', async () => {
    const port = await freePort();
    servers.push(await startRedis(port));
    const log = captureLogger();
    const c = new RedisCache({ url: `redis://127.0.0.1:${port}`, ttlS: 60, logger: log.logger, keyPrefix: 'sa:fault:' });
    caches.push(c);

    await c.set('search', 'q', 'cached');
    expect(await c.get('search', 'q')).toBe('cached');
    expect(c.stats().degraded).toBe(false);

    await stopRedis(servers.pop()!, 'SIGKILL');
    await exerciseQuickly(c);
    await waitFor(() => c.stats().degraded, 2000, 'degraded');
    for (let i = 0; i < 10; i++) {
      await exerciseQuickly(c);
      await sleep(100);
    }
    expect(count(log.warnings(), UNAVAILABLE)).toBe(1);
    expect(log.warnings()).toHaveLength(1);

    servers.push(await startRedis(port));
    await waitFor(() => !c.stats().degraded, 5000, 'caching to resume');
    expect(count(log.lines, BACK)).toBe(1);
    await c.set('search', 'q2', 'after restart');
    expect(await c.get('search', 'q2')).toBe('after restart');
    const { hits } = c.stats();
    expect(hits).toBe(2);
    expect(count(log.warnings(), UNAVAILABLE)).toBe(1);
  });

  it('times out on a hung Redis, and applies a bump made meanwhile before serving again', async () => {
    const port = await freePort();
    const server = await startRedis(port);
    servers.push(server);
    const log = captureLogger();
    const c = new RedisCache({
      url: `redis://127.0.0.1:${port}`,
      ttlS: 60,
      logger: log.logger,
      keyPrefix: 'sa:fault:',
      probeIntervalMs: 200,
    });
    caches.push(c);
    await c.set('search', 'q', 'before ingest');
    const g = await c.generation();

    server.kill('SIGSTOP'); // connection stays open but nothing answers: only the command timeout helps
    const first = await timed(c.get('search', 'q'));
    expect(first.value).toBeUndefined();
    expect(first.ms).toBeLessThan(FAST_MS);
    expect(c.stats().degraded).toBe(true);
    await exerciseQuickly(c);
    const bump = await timed(c.bumpGeneration());
    expect(bump.ms).toBeLessThan(FAST_MS);
    expect(count(log.warnings(), UNAVAILABLE)).toBe(1);

    server.kill('SIGCONT');
    await waitFor(() => !c.stats().degraded, 5000, 'caching to resume');
    // The entry written before the bump must not come back. (The timed-out INCR may also run server-side once
    // Redis wakes, so this checks the outcome; the partition test below is the one that needs the deferred bump.)
    expect(await c.get('search', 'q')).toBeUndefined();
    expect(await c.generation()).toBeGreaterThan(g);
    await c.set('search', 'q', 'after ingest');
    expect(await c.get('search', 'q')).toBe('after ingest');
  });

  it('after a partition, a bump it could not send is applied before anything is served again', async () => {
    const prefix = runPrefix('partition');
    const proxy = new CutProxy(await freePort(), { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    await proxy.up();
    const log = captureLogger();
    const other = { url: REDIS_URL, ttlS: 60, logger: captureLogger().logger, keyPrefix: prefix };
    const a = new RedisCache({ ...other, url: `redis://127.0.0.1:${proxy.port}`, logger: log.logger });
    const b = new RedisCache(other); // another API process that still reaches Redis
    caches.push(a, b);
    try {
      await a.set('search', 'q', 'before ingest');
      expect(await b.get('search', 'q')).toBe('before ingest');
      const g = await b.generation();

      await proxy.cut();
      await waitFor(() => a.stats().degraded, 2000, 'degraded');
      const bump = await timed(a.bumpGeneration()); // the ingest in A finished, but Redis did not hear of it
      expect(bump.ms).toBeLessThan(FAST_MS);
      expect(await b.generation()).toBe(g); // documented limit: B cannot know until A is back
      expect(await a.get('search', 'q')).toBeUndefined(); // A itself serves nothing while degraded

      await proxy.up();
      await waitFor(() => !a.stats().degraded, 5000, 'caching to resume');
      expect(await b.generation()).toBe(g + 1);
      expect(await a.get('search', 'q')).toBeUndefined();
      expect(await b.get('search', 'q')).toBeUndefined();
      expect(count(log.warnings(), UNAVAILABLE)).toBe(1);
    } finally {
      await proxy.cut();
      await cleanupPrefix(REDIS_URL, prefix);
    }
  });
});
