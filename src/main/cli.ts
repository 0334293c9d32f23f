import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig, type Config, AppError, createLogger } from '../core/index.js';
import { countOption, dateOption, languageOption, parsed, SearchDates, textArgument } from './options.js';
import { ArchiveLockedError } from '../platform/index.js';
import type { RecordingPatch } from '../ingest/index.js';
import type { ServiceOptions, Services } from './services.js';
import { keyCommands } from './keys-cli.js';
import { speakerCommands } from './speakers-cli.js';
import { backupCommands } from './backup-cli.js';
import { runAsk, runSearch, type CliAsk, type CliSearch } from './research.js';
import type { AdminRequest as Request, AdminResult } from './admin.js';

// The services, the pipeline and the server are imported by the commands that use them: loading them all
// takes seconds, which `keys`, `audit` and a refusal to open an archive in use need not wait for.
const program = new Command('speech-archive').description('Search and answer service over archives of recorded speech');

function config(): Config {
  return loadConfig();
}

async function withServices<T>(fn: (s: Services) => Promise<T>, opts: ServiceOptions = {}): Promise<T> {
  const cfg = config();
  const { openServices } = await import('./services.js');
  const s = await openServices(cfg, { logger: createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL), ...opts });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

const MANIFEST = /\.(jsonl|csv)$/i;

program
  .command('ingest')
  .description('ingest a manifest (JSONL/CSV) or one transcript file (VTT, SRT, Whisper JSON)')
  .argument('<path>', 'manifest or transcript')
  .option('--id <id>', 'recording id (single file; default: a slug of the title)')
  .option('--title <title>', 'title (single file; default: the file name)')
  .option('--recorded-at <date>', 'recording date YYYY-MM-DD (single file)')
  .option('--collection <name>', 'collection (single file)')
  .option('--language <code>', 'language (single file)')
  .option('--concurrency <n>', 'recordings in flight at once (manifest)', countOption('concurrency', 1, 64))
  .action(async (file: string, o) => {
    if (!fs.existsSync(file)) throw new AppError('bad_request', `no such file: ${file}`);
    await withServices(async (s) => {
      if (MANIFEST.test(file)) await ingestManifestWithProgress(s, file, o.concurrency);
      else await ingestOne(s, file, o);
    });
  });

/** A bar over the archive's recordings for a command that goes through them all (reembed, reindex). */
function recordingsBar(verb: string): { progress: (done: number, total: number) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar({ format: `${verb} {bar} {value}/{total} recordings`, hideCursor: true }, cliProgress.Presets.shades_classic);
  return { progress: (done, total) => (done === 0 ? bar.start(total, 0) : bar.update(done)), stop: () => bar.stop() };
}

async function ingestManifestWithProgress(s: Services, file: string, concurrency?: number) {
  const { ingestManifest } = await import('../ingest/index.js');
  const bar = new cliProgress.SingleBar(
    { format: 'ingest {bar} {percentage}% | {value}/{total} recordings | {last} | eta {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const summary = await ingestManifest(s, file, {
    concurrency,
    onEvent: (e) => {
      if (e.type === 'start') bar.start(e.total, 0, { last: '' });
      else bar.update(e.done, { last: `${e.id} ${e.status}` });
    },
  });
  bar.stop();
  for (const f of summary.failures) console.error(`  line ${f.line}${f.id ? ` (${f.id})` : ''}: ${f.error}`);
  console.log(
    `ingested ${summary.ingested}, unchanged ${summary.unchanged}, failed ${summary.failed} ` +
      `(${summary.total} rows, ${summary.moments} moments indexed, ${summary.seconds.toFixed(1)} s)`,
  );
  if (summary.failed > 0) process.exitCode = 1;
}

async function ingestOne(s: Services, file: string, o: Record<string, string | undefined>) {
  const recordedAt = o.recordedAt ? dateOption('recorded-at', o.recordedAt) : null;
  const language = o.language === undefined ? null : languageOption(o.language);
  const base = path.basename(file).replace(/\.[^.]+$/, '');
  const id = o.id ?? base.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 128);
  const { MEDIA_EXTENSIONS } = await import('../ingest/index.js');
  if (MEDIA_EXTENSIONS.test(file)) {
    // Through the job graph (decode → chunk → asr ∥ diarize → stitch → sentences → embed → index), in process.
    const { describeMediaJob, ingestMediaWithProgress } = await import('../ingest/index.js');
    const job = await ingestMediaWithProgress(s, file, {
      id, title: o.title ?? base, recordedAt, collection: o.collection ?? null, language, source: path.basename(file),
    });
    for (const line of describeMediaJob(job)) console.log(line);
    if (job.status === 'failed') process.exitCode = 1;
    return;
  }
  const { ingestTranscript } = await import('../ingest/index.js');
  const out = await ingestTranscript(s, {
    meta: { id, title: o.title ?? base, recordedAt, collection: o.collection ?? null, language, source: path.basename(file) },
    fileName: file,
    content: fs.readFileSync(file, 'utf8'),
  });
  console.log(`${out.status} ${out.id}: ${out.moments} moments`);
}

program
  .command('search')
  .description('find moments')
  .argument('<query>')
  .addOption(new Option('--mode <mode>').choices(['hybrid', 'bm25', 'vector']).default('hybrid'))
  .option('--limit <n>', 'results (1-100)', countOption('limit', 1, 100), 10)
  .option('--recording <id>')
  .option('--collection <name>')
  .option('--speaker <label>')
  .option('--from <date>')
  .option('--to <date>')
  .option('--json', 'print the API response JSON')
  .action(async (query: string, o) => {
    const params: CliSearch = {
      q: textArgument('query', query),
      limit: o.limit,
      mode: o.mode,
      filters: { recordingId: o.recording, collection: o.collection, speaker: o.speaker, ...parsed(SearchDates, { from: o.from, to: o.to }) },
    };
    const { dated, out, took_ms } = await onArchive((s) => runSearch(s, params), { op: 'search', params });
    const { highlightText, questionDatesText } = await import('../retrieval/index.js');
    if (dated) {
      const { routing, recordings, total } = dated;
      if (o.json) {
        console.log(JSON.stringify({ query: params.q, took_ms, routing, results: [], total, recordings }, null, 2));
        return;
      }
      console.log(`${total} recording${total === 1 ? '' : 's'} ${questionDatesText(routing)}`);
      recordings.forEach((r, i) => {
        const speakers = r.speakers.length ? `  ${r.speakers.slice(0, 3).join(', ')}${r.speakers.length > 3 ? ', …' : ''}` : '';
        console.log(`${i + 1}. ${r.recording_title} (${r.recorded_at ?? 'undated'}) ${fmt(r.duration_s ?? 0)}, ${r.moments} moments${speakers}  ${r.url}`);
      });
      return;
    }
    if (o.json) {
      console.log(JSON.stringify({ query: params.q, took_ms, ...out }, null, 2));
      return;
    }
    for (const w of out.warnings) console.error(`warning: ${w}`);
    out.results.forEach((r, i) => {
      console.log(`${i + 1}. ${passageLine(r)}`);
      // The excerpt the web page shows: the sentence the link opens on, with the question's words, in bold on a terminal.
      console.log(`   ${highlightText(r.highlight, process.stdout.isTTY ? (w) => `\x1b[1m${w}\x1b[22m` : undefined)}`);
    });
    if (out.results.length === 0) console.log('no moments found');
  });

program
  .command('ask')
  .description('answer a question from the archive, citing the moments it quotes (a model with LLM_BASE_URL or LLM_MODEL_PATH; without one, quoted)')
  .argument('<question>')
  .option('--limit <n>', 'passages the answer is written from (1-20)', countOption('limit', 1, 20), 8)
  .option('--recording <id>')
  .option('--collection <name>')
  .option('--speaker <label>')
  .option('--from <date>')
  .option('--to <date>')
  .addOption(new Option('--lang <code>', "the question's language (unset: read from the question)").choices(['en', 'es', 'de']))
  .option('--json', 'print the API response JSON')
  .action(async (asked: string, o) => {
    const dates = parsed(SearchDates, { from: o.from, to: o.to });
    const params: CliAsk = {
      question: textArgument('question', asked),
      limit: o.limit,
      filters: { recording: o.recording, collection: o.collection, speaker: o.speaker, ...dates },
      language: o.lang,
    };
    const out = await onArchive((s) => runAsk(s, params), { op: 'ask', params });
    if (o.json) {
      console.log(JSON.stringify({ ...out, cached: false }, null, 2));
      return;
    }
    for (const w of out.warnings) console.error(`warning: ${w}`);
    console.log(out.answer);
    if (out.citations.length) console.log('');
    for (const c of out.citations) console.log(`[${c.n}] ${passageLine(c)}`);
    if (out.nearest.length) {
      console.log('\nNearest passages:');
      out.nearest.forEach((c, i) => console.log(`${i + 1}. ${passageLine(c)}\n   ${c.text}`));
    }
  });

/**
 * Runs a read of the archive in this process, or, when a server owns the embedded database, in that server (its
 * admin socket): the same code and the same answer either way, and never a second process opening the archive.
 */
async function onArchive<R extends Extract<Request, { op: 'search' | 'ask' }>>(
  local: (s: Services) => Promise<AdminResult<R>>,
  req: R,
): Promise<AdminResult<R>> {
  const { AdminRequest } = await import('./admin.js');
  // Checked here as the server would check it, so that a bad option reads the same whoever runs the command.
  parsed(AdminRequest, req);
  return withServices(local, { cache: 'off' }).catch(async (err: unknown) => {
    if (!(err instanceof ArchiveLockedError && err.owner?.admin)) throw err;
    const o = err.owner;
    console.error(`(answered by the running server, pid ${o.pid}${o.url ? `, ${o.url}` : ''})`);
    const { sendAdmin } = await import('./admin.js');
    return sendAdmin(o.admin!, req, ASK_TIMEOUT_MS);
  });
}

/** A question answered by a local model can take minutes on a CPU; a search takes well under one. */
const ASK_TIMEOUT_MS = 10 * 60_000;

program
  .command('serve')
  .description('start the HTTP API (PORT, HOST)')
  .action(async () => {
    const { serve } = await import('./server.js');
    await serve(config());
  });

program
  .command('worker')
  .description('run ingest jobs from the BullMQ queue without HTTP (JOB_QUEUE=bullmq, REDIS_URL)')
  .action(async () => {
    await import('./worker.js');
  });

program
  .command('reembed')
  .description('re-embed every moment with the configured embedding model (after changing it); the old vectors serve until the new ones are complete')
  .action(async () => {
    const { reembedArchive } = await import('../ingest/index.js');
    await withServices(async (s) => {
      const bar = recordingsBar('reembed');
      const n = await reembedArchive(s, bar.progress);
      bar.stop();
      console.log(`re-embedded ${n} recordings with ${s.embedder?.model}`);
    }, { skipVectorInit: true });
  });

program
  .command('edit')
  .description('correct a recording\'s title, date, collection or language (re-indexed at once, kept in its history)')
  .argument('<recording>', 'recording id')
  .option('--title <title>')
  .option('--date <date>', 'recording date YYYY-MM-DD')
  .option('--collection <name>')
  .option('--language <code>')
  .option('--clear-date', 'make the recording undated')
  .option('--clear-collection', 'take the recording out of its collection')
  .option('--clear-language', 'analyse the recording in the archive\'s default language')
  .action(async (id: string, o) => {
    const patch = editPatch(o);
    const { correctRecording } = await import('../ingest/index.js');
    await withServices(async (s) => {
      const out = await correctRecording(s, id, patch, 'cli');
      if (!out.revision) {
        console.log(`unchanged ${id}: the values given are the stored ones`);
        return;
      }
      const { changesOf } = await import('../archive/index.js');
      for (const c of changesOf(out.revision)) console.log(`${c.field}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`);
      console.log(`corrected ${id} (revision ${out.revision.rev})`);
    });
  });

/** The `edit` options as a patch, checked as the API checks them. */
function editPatch(o: Record<string, string | boolean | undefined>): RecordingPatch {
  const text = (name: string, v: unknown, max: number) => {
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    if (!t || t.length > max || t.includes('\u0000')) throw new AppError('bad_request', `--${name}: 1-${max} characters, without NUL`);
    return t;
  };
  const both = (name: string) => {
    if (o[name] !== undefined && o[`clear${name[0].toUpperCase()}${name.slice(1)}`]) throw new AppError('bad_request', `--${name} and --clear-${name} contradict each other`);
  };
  for (const name of ['date', 'collection', 'language']) both(name);
  const date = typeof o.date === 'string' ? dateOption('date', o.date) : undefined;
  const patch: RecordingPatch = {
    title: text('title', o.title, 500),
    recorded_at: o.clearDate ? null : date,
    collection: o.clearCollection ? null : text('collection', o.collection, 200),
    language: o.clearLanguage ? null : typeof o.language === 'string' ? languageOption(o.language) : undefined,
  };
  if (Object.values(patch).every((v) => v === undefined)) throw new AppError('bad_request', 'nothing to change: give --title, --date, --collection or --language (or a --clear- option)');
  return patch;
}

program
  .command('history')
  .description('the corrections of a recording, newest first')
  .argument('<recording>', 'recording id')
  .action(async (id: string) => {
    const { changesOf } = await import('../archive/index.js');
    await withServices(async (s) => {
      if (!(await s.archive.get(id))) throw new AppError('not_found', `no recording "${id}"`);
      const items = await s.revisions.history(id);
      for (const r of items) {
        const what = r.target === 'segment' ? `line ${r.seq}` : 'recording';
        const changes = changesOf(r).map((c) => `${c.field}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`);
        console.log(`#${r.rev} ${r.at} ${r.actor} ${what}${r.revertOf ? ` (reverts #${r.revertOf})` : ''}: ${changes.join('; ')}`);
      }
      if (items.length === 0) console.log(`no corrections of ${id}`);
    });
  });

program
  .command('reindex')
  .description('write every stored moment into the configured lexical index again (after switching LEXICAL_ENGINE or an upgrade), and title the chapters again')
  .action(async () => {
    const { reindexLexical } = await import('../ingest/index.js');
    await withServices(async (s) => {
      const bar = recordingsBar('reindex');
      const out = await reindexLexical(s, bar.progress);
      bar.stop();
      console.log(`re-indexed ${out.recordings} recordings (${out.moments} moments) into ${s.lexical.engine}; ${out.chapters} chapters titled again`);
    });
  });

program
  .command('compact')
  .description("rebuild the lexical index's keys and clear the vector index of replaced vectors after a bulk ingest or many corrections: smaller, and searches read less; a running server does it")
  .action(async () => {
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
    let t0 = performance.now();
    const report = await withServices(async (s) => {
      console.log(`compacting the ${s.lexical.engine} lexical index${s.vectors ? ' and the vector index' : ''}…`);
      t0 = performance.now();
      const { compactArchive } = await import('./admin.js');
      return compactArchive(s);
    }).catch(async (err: unknown) => {
      // The embedded database is the server's: it compacts its own index, and its searches wait meanwhile.
      if (!(err instanceof ArchiveLockedError && err.owner?.admin)) throw err;
      const o = err.owner;
      console.error(`(run by the running server, pid ${o.pid}${o.url ? `, ${o.url}` : ''}; its searches wait until it is done)`);
      const { ARCHIVE_WORK_TIMEOUT_MS, sendAdmin } = await import('./admin.js');
      t0 = performance.now();
      return sendAdmin(o.admin!, { op: 'compact' }, ARCHIVE_WORK_TIMEOUT_MS);
    });
    console.log(
      `compacted ${report.rewritten.length ? report.rewritten.join(', ') : 'nothing (the index is empty)'}: ${mb(report.bytesBefore)} → ${mb(report.bytesAfter)}` +
        `${report.vectors ? ', and the vector index' : ''} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  });

/** A hit or a citation on one line, as `search` and `ask` list them: where, when, who, and its link. */
function passageLine(p: { recording_title: string; recorded_at: string | null; start: number; end: number; speaker: string | null; url: string }): string {
  return `${p.recording_title} (${p.recorded_at ?? 'undated'}) ${fmt(p.start)}–${fmt(p.end)} ${p.speaker ?? ''}  ${p.url}`;
}

function fmt(t: number): string {
  const s = Math.floor(t);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

for (const c of keyCommands()) program.addCommand(c);
program.addCommand(speakerCommands(withServices));
for (const c of backupCommands()) program.addCommand(c);

/** Exit status when another process owns the embedded database. */
const EXIT_ARCHIVE_LOCKED = 3;

program.parseAsync(process.argv).catch((err: unknown) => {
  const msg = err instanceof Error ? err.message : String(err);
  console.error(`error: ${msg}`);
  if (err instanceof ArchiveLockedError) {
    console.error(whatToDo(err));
    process.exit(EXIT_ARCHIVE_LOCKED);
  }
  process.exit(err instanceof AppError ? 2 : 1);
});

function whatToDo(err: ArchiveLockedError): string {
  const o = err.owner;
  const stop = o ? `stop it first (Ctrl-C where it runs, or \`kill ${o.pid}\`) and run this again` : 'stop it first and run this again';
  const lines = [`The embedded database is one process's at a time: ${stop}.`];
  if (o?.url) {
    lines.push(
      `While the server runs, use its HTTP API at ${o.url} instead: POST /v1/ingest or /v1/recordings to ingest, PATCH /v1/recordings/<id> to correct, GET /v1/search, POST /v1/ask` +
        (o.admin ? '; `keys`, `audit`, `backup`, `compact`, `search` and `ask` commands are passed to it by themselves.' : '.'),
    );
  }
  lines.push('Processes that must share an archive need a Postgres server (DATABASE_URL).');
  return lines.join('\n');
}
