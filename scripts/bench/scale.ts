/**
 * Scale benchmark: ingest throughput, search latency and peak memory on archives of H hours of speech.
 *
 *   npm run bench:scale -- [--hours 1000,10000] [--data-dir .tmp/scale] [--builds lexical,vector]
 *                          [--n 200] [--concurrency 1,8,32] [--seed 1] [--embed-cache .tmp/embed-cache]
 *                          [--database-url postgres://postgres@127.0.0.1:5432/postgres]
 *
 * 1. Archives are built from the dev transcripts (--manifest): each round takes every source recording in a
 *    seeded shuffle and ingests it again under a new id (`<id>.r<round>`) with a random recording date in
 *    1950–2024, through the real ingest path (ingestTranscript: moments, BM25 postings, chapters, vectors),
 *    until the archive holds at least H hours (a recording lasts until its last cue ends). The number of
 *    moments follows from the configured windows, as it would for a real archive. Two archives per size:
 *    `lexical-<H>h` (EMBEDDINGS=none) and `vector-<H>h` (USE-lite vectors in pgvector). A finished archive is
 *    marked (`scale-build.json`) and reused by later runs with the same --data-dir; --rebuild builds it again.
 * 2. Embedding is not what is measured at scale (USE-lite runs at ~14 moments/s a core): every distinct source
 *    moment is embedded once into the on-disk vector cache (--embed-cache, shared with `npm run eval`), and the
 *    replicas' ingest reads their vectors from it. The embedding rate is measured apart on a small sample with
 *    an uncached embedder. The vector archive is loaded without its HNSW index, which is built once at the
 *    end (PgVectorIndex.dropAnnIndex/buildAnnIndex): much faster than inserting into the graph row by row.
 * 3. Search latency over loopback HTTP against the real app (scripts/bench/lib.ts, as bench:search): at each
 *    concurrency, distinct questions with the result cache emptied, the same requests from cache, and
 *    "In <year>, <question>" routed (temporal=auto) vs. unrouted (temporal=off). On the vector archive the
 *    mode is hybrid; when only the lexical archive exists, bm25.
 * 4. Every build and every search runs in a fresh child process; the parent samples its RSS every 200 ms
 *    (/proc/<pid>/status) and the child reports its own maxRSS, so each phase's peak is its own.
 * 5. With --database-url (a Postgres server and a role that may create databases) each archive is a database
 *    of its own on that server, `sa_scale_<kind>_<H>h`, as with DATABASE_URL in production; its media stay
 *    under --data-dir. The server's own memory is not in the peaks above: its size on disk is reported.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import pLimit from 'p-limit';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/core/config.js';
import type { RecordingMeta } from '../../src/core/domain.js';
import { CachedEmbedder, createEmbedder, UseEmbedder } from '../../src/indexes/embed/index.js';
import { createLogger } from '../../src/core/log.js';
import { openServices } from '../../src/main/services.js';
import { PgVectorIndex } from '../../src/indexes/vector/pgvector.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';
import { readManifest } from '../../src/ingest/manifest.js';
import { buildMoments } from '../../src/ingest/moments.js';
import { indexedText, ingestTranscript } from '../../src/ingest/transcript.js';
import { firstCopyYears, loadSuiteQuestions, searchSuite, startApp, SUITE_LABELS, type Measurement } from './lib.js';
import { rng } from '../../src/core/math.js';

const SELF = fileURLToPath(import.meta.url);
type Kind = 'lexical' | 'vector';

const program = new Command('bench-scale')
  .option('--hours <list>', 'archive sizes in hours of speech', '1000,10000')
  .option('--data-dir <dir>', 'where the archives are built and kept between runs', '.tmp/scale')
  .option('--builds <list>', 'archives per size: lexical (EMBEDDINGS=none), vector (USE vectors + HNSW)', 'lexical,vector')
  .option('--manifest <file>', 'source transcripts', '../shared/eval/dev/manifest.jsonl')
  .option('--queries <file>', 'questions', '../shared/eval/dev/queries.jsonl')
  .option('--n <n>', 'distinct questions per measurement', (v) => parseInt(v, 10), 200)
  .option('--concurrency <list>', 'comma-separated', '1,8,32')
  .option('--seed <n>', 'shuffle and date seed', (v) => parseInt(v, 10), 1)
  .option('--embed-cache <dir>', 'on-disk vectors of the source moments (shared with npm run eval)', '.tmp/embed-cache')
  .option('--embed-sample <n>', 'moments embedded without cache to measure the embedding rate', (v) => parseInt(v, 10), 48)
  .option('--database-url <url>', 'build and search the archives on this Postgres server, one database each (needs pgvector for vector archives)')
  .option('--rebuild', 'build archives again even when a finished one is there')
  .option('--no-search', 'build only')
  // Internal: one phase in a child process.
  .option('--child <phase>')
  .option('--size <hours>', '', (v) => parseInt(v, 10))
  .option('--kind <kind>')
  .parse();
const opts = program.opts<{
  hours: string; dataDir: string; builds: string; manifest: string; queries: string; n: number; concurrency: string;
  seed: number; embedCache: string; embedSample: number; databaseUrl?: string; rebuild?: boolean; search: boolean; child?: string; size?: number; kind?: Kind;
}>();

// ---------------------------------------------------------------- the source archive and its replicas

interface Source {
  meta: RecordingMeta;
  file: string;
  content: string;
  texts: string[];
  /** Seconds of speech: until the last cue ends. */
  durationS: number;
}

/** The archive's database on the --database-url server, or undefined for the embedded database in its directory. */
function databaseUrlFor(kind: Kind, hours: number): string | undefined {
  if (!opts.databaseUrl) return undefined;
  const url = new URL(opts.databaseUrl);
  url.pathname = `/sa_scale_${kind}_${hours}h`;
  return url.toString();
}

/** Drops and creates the archive's database on the server (a build starts from nothing, as it does on disk). */
async function recreateDatabase(kind: Kind, hours: number): Promise<void> {
  const name = new URL(databaseUrlFor(kind, hours)!).pathname.slice(1);
  const admin = new pg.Client({ connectionString: opts.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

/** On-disk size of the archive: its directory, plus its database on the server when there is one. */
async function archiveMB(kind: Kind, hours: number, dir: string): Promise<number> {
  const url = databaseUrlFor(kind, hours);
  if (!url) return duMB(dir);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes');
    return duMB(dir) + mb(Number(rows[0].bytes));
  } finally {
    await c.end();
  }
}

function configFor(kind: Kind, dataDir: string, databaseUrl?: string): Config {
  return loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl ?? '',
    DATA_DIR: dataDir,
    EMBEDDINGS: kind === 'lexical' ? 'none' : (process.env.EMBEDDINGS ?? 'use'),
    SAMPLE_ARCHIVE: 'off',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MIN: '0',
  });
}

/** The dev transcripts with their moments, built with the configured windows exactly as ingest builds them. */
function loadSources(cfg: Config): Source[] {
  const { rows, problems } = readManifest(path.resolve(opts.manifest));
  if (problems.length) throw new Error(`manifest: ${problems.map((p) => `line ${p.line}: ${p.error}`).join('; ')}`);
  const settings = { targetS: cfg.MOMENT_TARGET_S, maxS: cfg.MOMENT_MAX_S, overlapS: cfg.MOMENT_OVERLAP_S };
  return rows
    .filter((r) => r.transcriptPath)
    .map((r) => {
      const content = fs.readFileSync(r.transcriptPath!, 'utf8');
      const cues = parseTranscript(r.transcriptPath!, content);
      const moments = buildMoments(r.meta.id, cues, settings);
      const durationS = cues.reduce((m, c) => Math.max(m, c.end), 0);
      return { meta: r.meta, file: r.transcriptPath!, content, texts: moments.map(indexedText), durationS };
    });
}

const DATE_FROM = Date.UTC(1950, 0, 1);
const DATE_TO = Date.UTC(2024, 11, 31);

/** Replicas in ingest order: rounds of every source, each round shuffled, until `hours` of speech. */
function plan(sources: Source[], hours: number, seed: number): { source: Source; meta: RecordingMeta }[] {
  const rand = rng(seed);
  const out: { source: Source; meta: RecordingMeta }[] = [];
  const targetS = hours * 3600;
  let seconds = 0;
  for (let round = 0; seconds < targetS; round++) {
    const order = [...sources];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const src of order) {
      if (seconds >= targetS) break;
      const day = new Date(DATE_FROM + Math.floor(rand() * ((DATE_TO - DATE_FROM) / 86_400_000 + 1)) * 86_400_000);
      out.push({
        source: src,
        meta: { ...src.meta, id: `${src.meta.id}.r${round}`, title: `${src.meta.title} (copy ${round})`, recordedAt: day.toISOString().slice(0, 10) },
      });
      seconds += src.durationS;
    }
  }
  return out;
}


// ---------------------------------------------------------------- child phases

/** An archive's directory and name: `vector-1000h` is the vector archive of 1,000 hours. */
const archiveName = (kind: Kind, hours: number) => `${kind}-${hours}h`;
const mb = (bytes: number) => Math.round(bytes / 1048576);
const report = (x: unknown) => console.log(`RESULT ${JSON.stringify(x)}`);
const log = (msg: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface EmbedResult { sample: number; workers: number; initS: number; seconds: number; perS: number; distinct: number; newlyEmbedded: number; precomputeS: number }
interface BuildResult {
  kind: Kind; size: number; hours: number; recordings: number; moments: number; loadS: number; indexS: number; totalS: number;
  loadPerS: number; totalPerS: number; maxRssMB: number; sampledRssMB?: number; diskMB: number; builtAt: string; reused?: boolean;
}
interface SearchResult { kind: Kind; size: number; mode: string; moments: number; questions: number; measurements: Measurement[]; maxRssMB: number; sampledRssMB?: number }

async function childEmbed(): Promise<void> {
  const cfg = configFor('vector', opts.dataDir);
  const sources = loadSources(cfg);
  const distinct = [...new Set(sources.flatMap((s) => s.texts))];
  // The rate, on a sample the cache is not asked about.
  const rand = rng(opts.seed);
  const sample = Array.from({ length: Math.min(opts.embedSample, distinct.length) }, () => distinct[Math.floor(rand() * distinct.length)]);
  const use = new UseEmbedder({ workers: cfg.EMBED_WORKERS, batchSize: cfg.EMBED_BATCH });
  let t = performance.now();
  await use.init();
  const initS = (performance.now() - t) / 1000;
  t = performance.now();
  await use.embed(sample);
  const seconds = (performance.now() - t) / 1000;
  await use.close();
  log(`embedding rate: ${sample.length} moments in ${seconds.toFixed(1)} s with ${cfg.EMBED_WORKERS} workers`);
  // Every distinct source moment into the on-disk cache (only the ones never embedded cost anything).
  const cached = createEmbedder(cfg, { cacheDir: path.resolve(opts.embedCache) });
  if (!(cached instanceof CachedEmbedder)) throw new Error('the vector build needs a cached embedder (EMBEDDINGS=use)');
  await cached.init();
  const before = cached.size;
  t = performance.now();
  let last = 0;
  await cached.embed(distinct, (done, total) => {
    if (performance.now() - last > 30_000) {
      last = performance.now();
      log(`precomputing source vectors: ${done}/${total}`);
    }
  });
  const precomputeS = (performance.now() - t) / 1000;
  const newlyEmbedded = cached.size - before;
  await cached.close();
  report({ sample: sample.length, workers: cfg.EMBED_WORKERS, initS, seconds, perS: sample.length / seconds, distinct: distinct.length, newlyEmbedded, precomputeS } satisfies EmbedResult);
}

async function childBuild(kind: Kind, size: number, dir: string): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  if (opts.databaseUrl) await recreateDatabase(kind, size);
  const cfg = configFor(kind, dir, databaseUrlFor(kind, size));
  const sources = loadSources(cfg);
  const replicas = plan(sources, size, opts.seed);
  const target = replicas.reduce((n, r) => n + r.source.texts.length, 0);
  const hours = replicas.reduce((n, r) => n + r.source.durationS, 0) / 3600;
  log(`${archiveName(kind, size)}: ${replicas.length} recordings, ${target} moments from ${sources.length} sources`);
  const s = await openServices(cfg, { logger: createLogger('warn'), embedCacheDir: path.resolve(opts.embedCache), cache: 'off' });
  const deferIndex = s.vectors instanceof PgVectorIndex;
  if (s.vectors instanceof PgVectorIndex) await s.vectors.dropAnnIndex();
  const t0 = performance.now();
  let moments = 0;
  let nextLog = 0.05;
  const limit = pLimit(Math.max(2, cfg.EMBED_WORKERS + 1)); // as ingestManifest does
  await Promise.all(
    replicas.map((r) =>
      limit(async () => {
        const out = await ingestTranscript(s, { meta: r.meta, fileName: r.source.file, content: r.source.content });
        moments += out.moments;
        if (moments / target >= nextLog) {
          nextLog += 0.05;
          const el = (performance.now() - t0) / 1000;
          log(`${archiveName(kind, size)}: ${moments}/${target} moments, ${el.toFixed(0)} s, ${(moments / el).toFixed(0)} moments/s, rss ${mb(process.memoryUsage().rss)} MB`);
        }
      }),
    ),
  );
  const loadS = (performance.now() - t0) / 1000;
  let indexS = 0;
  if (deferIndex) {
    log(`${archiveName(kind, size)}: loaded in ${loadS.toFixed(0)} s; building HNSW`);
    const t1 = performance.now();
    // The embedded database's whole memory is ~2 GB; a server is given room for the 10,000 h graph.
    await (s.vectors as PgVectorIndex).buildAnnIndex({ maintenanceWorkMem: opts.databaseUrl ? '4GB' : '256MB' });
    indexS = (performance.now() - t1) / 1000;
  }
  const counts = await s.archive.counts();
  await s.close();
  const totalS = loadS + indexS;
  const result: BuildResult = {
    kind, size, hours, recordings: counts.recordings, moments: counts.moments, loadS, indexS, totalS,
    loadPerS: counts.moments / loadS, totalPerS: counts.moments / totalS,
    maxRssMB: mb(process.resourceUsage().maxRSS * 1024), diskMB: await archiveMB(kind, size, dir), builtAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(dir, 'scale-build.json'), JSON.stringify(result, null, 2));
  report(result);
}

async function childSearch(kind: Kind, size: number, dir: string): Promise<void> {
  const cfg = configFor(kind, dir, databaseUrlFor(kind, size));
  // No on-disk vector cache: a question seen for the first time is really embedded.
  const s = await openServices(cfg, { logger: createLogger('warn'), embedCacheDir: null });
  const app = await startApp(s);
  const years = await firstCopyYears(s);
  const { measured: questions, warmup } = loadSuiteQuestions(path.resolve(opts.queries), opts.n, (id) => years.get(id));
  const counts = await s.archive.counts();
  const mode = s.embedder ? 'hybrid' : 'bm25';
  log(`${archiveName(kind, size)}: ${counts.moments} moments, ${questions.length} questions, mode ${mode}`);
  const measurements = await searchSuite(s, app.base, questions, { mode, concurrency: opts.concurrency.split(',').map(Number), warmup });
  await app.close();
  await s.close();
  report({ kind, size, mode, moments: counts.moments, questions: questions.length, measurements, maxRssMB: mb(process.resourceUsage().maxRSS * 1024) } satisfies SearchResult);
}

function duMB(dir: string): number {
  try {
    return Math.round(Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split(/\s/)[0]) / 1024);
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- the parent

/** Runs one phase in a fresh process, echoing its output, sampling its RSS; resolves with its RESULT. */
function runChild<T>(args: string[]): Promise<T & { sampledRssMB: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, SELF, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let peak = 0;
    const sample = setInterval(() => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // exited
      }
    }, 200);
    let result: T | undefined;
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as T;
        else console.log(line);
      }
    });
    p.on('exit', (code) => {
      clearInterval(sample);
      if (code === 0 && result) resolve({ ...result, sampledRssMB: mb(peak) });
      else reject(new Error(`child ${args.join(' ')} exited with ${code}`));
    });
  });
}

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  return `${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${load}`;
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

async function main(): Promise<void> {
  const sizes = opts.hours.split(',').map((x) => parseInt(x, 10));
  const kinds = opts.builds.split(',').map((x) => x.trim()) as Kind[];
  for (const k of kinds) if (k !== 'lexical' && k !== 'vector') throw new Error(`--builds: ${k}`);
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const common = [...(opts.databaseUrl ? ['--database-url', opts.databaseUrl] : []), '--data-dir', dataDir, '--manifest', opts.manifest, '--queries', opts.queries, '--seed', String(opts.seed), '--embed-cache', opts.embedCache, '--n', String(opts.n), '--concurrency', opts.concurrency, '--embed-sample', String(opts.embedSample)];
  console.log(`bench:scale — ${machine()}`);
  const where = opts.databaseUrl ? `databases sa_scale_<kind>_<H>h on ${new URL(opts.databaseUrl).host}, media in ${dataDir}` : dataDir;
  console.log(`sizes ${sizes.map((h) => `${h} h`).join(', ')}; archives ${kinds.join(', ')} in ${where}; seed ${opts.seed}`);

  let embed: EmbedResult | undefined;
  const builds: BuildResult[] = [];
  const searches: SearchResult[] = [];
  const needBuild = (kind: Kind, size: number) => opts.rebuild || !fs.existsSync(path.join(dataDir, archiveName(kind, size), 'scale-build.json'));
  if (kinds.includes('vector') && sizes.some((n) => needBuild('vector', n))) {
    console.log('\n== embedding rate and source vectors');
    embed = await runChild<EmbedResult>(['--child', 'embed', ...common]);
  }
  for (const size of sizes) {
    for (const kind of kinds) {
      const dir = path.join(dataDir, archiveName(kind, size));
      if (needBuild(kind, size)) {
        console.log(`\n== build ${archiveName(kind, size)}`);
        const built = await runChild<BuildResult>(['--child', 'build', '--kind', kind, '--size', String(size), ...common]);
        builds.push(built);
        // Keep the parent's sampled peak with the archive, for the runs that reuse it.
        fs.writeFileSync(path.join(dir, 'scale-build.json'), JSON.stringify(built, null, 2));
      } else {
        const prior = JSON.parse(fs.readFileSync(path.join(dir, 'scale-build.json'), 'utf8')) as BuildResult;
        console.log(`\n== ${archiveName(kind, size)}: reusing the archive built ${prior.builtAt}`);
        builds.push({ ...prior, reused: true });
      }
    }
    if (opts.search) {
      const kind: Kind = kinds.includes('vector') ? 'vector' : 'lexical';
      console.log(`\n== search ${archiveName(kind, size)}`);
      const res = await runChild<SearchResult>(['--child', 'search', '--kind', kind, '--size', String(size), ...common]);
      searches.push(res);
      fs.writeFileSync(path.join(dataDir, `${archiveName(kind, size)}.search.json`), JSON.stringify(res, null, 2));
    }
  }

  // ------------------------------------------------------------ the tables
  console.log(`\n## Scale results (${machine()})\n`);
  if (embed)
    console.log(
      `Embedding (USE-lite, ${embed.workers} workers, uncached): ${fmt(embed.perS)} moments/s on a ${embed.sample}-moment sample ` +
        `(model load ${fmt(embed.initS)} s). Source moments: ${embed.distinct} distinct, ${embed.newlyEmbedded} embedded now ` +
        `(${fmt(embed.precomputeS, 0)} s), the rest read from ${opts.embedCache}; replicas reuse these vectors.\n`,
    );
  console.log(row(['archive', 'recordings', 'moments', 'load s', 'HNSW build s', 'load moments/s', 'total moments/s', 'peak RSS MB (sampled / maxRSS)', 'disk MB']));
  console.log(row(['---', '---', '---', '---', '---', '---', '---', '---', '---']));
  for (const b of builds)
    console.log(row([
      `${archiveName(b.kind, b.size)} (${fmt(b.hours, 0)} h)${b.reused ? ' (reused)' : ''}`, b.recordings, b.moments, fmt(b.loadS, 0), b.kind === 'vector' ? fmt(b.indexS, 0) : '—',
      fmt(b.loadPerS), fmt(b.totalPerS), `${b.sampledRssMB ?? '—'} / ${b.maxRssMB}`, b.diskMB,
    ]));
  if (searches.length) {
    console.log('');
    console.log(row(['archive', 'mode', 'measurement', 'c', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s']));
    console.log(row(['---', '---', '---', '---', '---', '---', '---', '---', '---']));
    for (const s of searches)
      for (const m of s.measurements)
        console.log(row([archiveName(s.kind, s.size), s.mode, m.label, m.concurrency, m.n, fmt(m.p50), fmt(m.p95), fmt(m.p99), fmt(m.rps)]));
    console.log('');
    console.log(row(['archive', 'peak RSS during search, MB (sampled / maxRSS)']));
    console.log(row(['---', '---']));
    for (const s of searches) console.log(row([archiveName(s.kind, s.size), `${s.sampledRssMB ?? '—'} / ${s.maxRssMB}`]));
  }

  // ------------------------------------------------------------ targets
  // They are set for the largest archive of this run (10,000 h by default), at concurrency 1.
  const largest = Math.max(...sizes);
  const at = searches.find((x) => x.size === largest);
  const m1 = (label: string) => at?.measurements.find((m) => m.label === label && m.concurrency === 1);
  console.log(`\nTargets at ${largest} h (concurrency 1):`);
  if (!at) console.log(`  NOT RUN: no search of a ${largest} h archive in this invocation`);
  else {
    const cold = m1(SUITE_LABELS.cold);
    if (cold && at.mode === 'hybrid')
      console.log(`  hybrid p95 <= 50 ms, a question never seen (embedded in the request): ${fmt(cold.p95)} ms -> ${cold.p95 <= 50 ? 'PASS' : 'MISS'}`);
    else console.log(`  hybrid p95 <= 50 ms (new questions): NOT RUN (mode ${at.mode}; needs the vector archive and concurrency 1 first)`);
    const warm = m1(SUITE_LABELS.uncached);
    if (warm) console.log(`  (uncached, the same questions asked again: p50 ${fmt(warm.p50)} / p95 ${fmt(warm.p95)} ms)`);
    const cached = m1(SUITE_LABELS.cached);
    if (cached) console.log(`  cached p95 <= 2 ms: ${fmt(cached.p95)} ms -> ${cached.p95 <= 2 ? 'PASS' : 'MISS'}`);
    const routed = m1(SUITE_LABELS.routed);
    const unrouted = m1(SUITE_LABELS.unrouted);
    if (routed && unrouted) {
      const ratio = unrouted.p50 / routed.p50;
      console.log(`  single-decade question routed >= 4x faster than unrouted (p50): ${fmt(unrouted.p50)} / ${fmt(routed.p50)} ms = ${fmt(ratio, 2)}x -> ${ratio >= 4 ? 'PASS' : 'MISS'} [${at.mode}]`);
    }
  }
  for (const s of searches) {
    if (s.size === largest) continue;
    const r = s.measurements.find((m) => m.label === SUITE_LABELS.routed && m.concurrency === 1);
    const u = s.measurements.find((m) => m.label === SUITE_LABELS.unrouted && m.concurrency === 1);
    if (r && u) console.log(`  (for reference, ${archiveName(s.kind, s.size)} ${s.mode}: unrouted/routed p50 = ${fmt(u.p50 / r.p50, 2)}x)`);
  }
}

if (opts.child) {
  const dir = path.join(path.resolve(opts.dataDir), archiveName(opts.kind!, opts.size!));
  if (opts.child === 'embed') await childEmbed();
  else if (opts.child === 'build') await childBuild(opts.kind!, opts.size!, dir);
  else if (opts.child === 'search') await childSearch(opts.kind!, opts.size!, dir);
  else throw new Error(`--child ${opts.child}`);
  process.exit(0);
} else {
  await main();
}
