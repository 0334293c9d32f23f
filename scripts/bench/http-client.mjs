// The benchmark's HTTP client, run in a worker thread (scripts/bench/lib.ts, measure): its own V8 heap and
// garbage collector, so the client's allocations do not pause the server being measured, as with a load
// generator in another process (autocannon). node:http with kept-alive sockets rather than fetch: less of
// the client's own time in every figure. Plain JavaScript so that it runs without the TypeScript loader.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { base, urls, concurrency } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      // The body is decoded only to report a failure: decoding every one would make the client's own GC pauses
      // part of the figures (a load generator like autocannon reads and drops the bytes).
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

// Warm the client itself before timing: its first requests compile the HTTP path and grow its young
// generation, and the scavenges that takes (1-3 ms each, seen with --trace-gc) landed on the first timed
// requests. A path the app does not serve (404) costs the server next to nothing and touches no cache.
// `concurrency` at a time, so every connection the timed requests use is open before timing starts, as a
// load generator opens its connections first: connections opened during a c=32 pass were accepted by the
// busy server only 0.75-2.4 s after their first request was sent.
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let w = 0; w < Math.max(3, Math.ceil(100 / concurrency)); w++) await get(`${base}/__bench-warm-up`);
  }),
);

const times = [];
let i = 0;
let resets = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (i < urls.length) {
      // An entry { before, url } asks `before` first, untimed: a page after the first, just after that first page.
      const entry = urls[i++];
      const u = typeof entry === 'string' ? entry : entry.url;
      if (typeof entry !== 'string') await get(base + entry.before);
      const t = performance.now();
      let res;
      try {
        res = await get(base + u);
      } catch (err) {
        // A kept-alive socket closed under us: the request never reached the app. Retry once, on the same clock.
        if (err?.code !== 'ECONNRESET') throw err;
        resets++;
        res = await get(base + u);
      }
      if (res.status !== 200) throw new Error(`${u}: ${res.status} ${Buffer.concat(res.body).toString('utf8')}`);
      times.push(performance.now() - t);
    }
  }),
);
agent.destroy();
parentPort.postMessage({ times, resets, wallS: (performance.now() - t0) / 1000 });
