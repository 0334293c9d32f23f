/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import path from 'node:path/posix';
import type { Context } from 'hono';
import { parseManifest } from '../../../ingest/manifest.js';
import type { Api, Job, Recording } from '../api.js';
import { longDate } from '../format.js';
import { ErrorPage, Field, Layout, sendPage } from '../layout.js';

/** The server-sent job events route, used instead of polling when the API has it. */
const JOB_EVENTS = '/v1/jobs/:id/events';

type Meta = Partial<Record<'id' | 'title' | 'recorded_at' | 'collection' | 'language', string>>;
type Ingested = { status: 'ingested' | 'unchanged'; moments: number; recording: Recording };

export function ingestPage(c: Context, meta: Meta = {}, result?: unknown, status: 200 | 201 | 400 | 413 | 415 | 422 | 500 = 200): Promise<Response> {
  return sendPage(
    c,
    <Layout title="Add recordings" page="ingest" script="ingest.js">
      <h1>Add recordings</h1>
      <div class="ingest-forms">
        <section class="card" aria-labelledby="one-heading">
          <h2 id="one-heading">Upload a transcript</h2>
          <p class="muted small">WebVTT, SRT or Whisper JSON, with speakers when the file has them.</p>
          <form id="ingest-file" class="ingest" action="/ingest" method="post" enctype="multipart/form-data">
            <div class="field">
              <label for="file">Transcript file</label>
              <input id="file" name="file" type="file" accept=".vtt,.srt,.json,text/vtt,application/json" required />
            </div>
            <div class="grid">
              <Field name="title" label="Title" value={meta.title} />
              <Field name="id" label="Recording id" value={meta.id} hint="Optional; made from the title when empty." />
              <Field name="recorded_at" label="Recorded on" type="date" value={meta.recorded_at} />
              <Field name="collection" label="Collection" value={meta.collection} />
              <Field name="language" label="Language" value={meta.language} placeholder="en" />
            </div>
            <button type="submit">Upload transcript</button>
          </form>
        </section>
        <section class="card" aria-labelledby="many-heading">
          <h2 id="many-heading">Upload a manifest</h2>
          <p class="muted small">
            A JSONL or CSV manifest (<code>id, title, recorded_at, collection, language, transcript</code>) and the transcripts it names. Files are matched to
            the manifest's paths by name.
          </p>
          <form id="ingest-manifest" class="ingest" action="/ingest" method="post" enctype="multipart/form-data">
            <div class="field">
              <label for="manifest">Manifest</label>
              <input id="manifest" name="manifest" type="file" accept=".jsonl,.csv,.json" required />
            </div>
            <div class="field">
              <label for="files">Transcript files</label>
              <input id="files" name="files" type="file" multiple accept=".vtt,.srt,.json" />
            </div>
            <button type="submit">Upload manifest</button>
          </form>
        </section>
      </div>
      <section id="ingest-result" class="ingest-result" aria-live="polite" aria-label="Upload result">
        {result !== undefined ? <ResultView result={result} status={status} /> : null}
      </section>
    </Layout>,
    status,
  );
}

/** What POST /v1/ingest answered, as shown to the person who uploaded. */
export function ResultView({ result, status, events }: { result: unknown; status: number; events?: boolean }) {
  if (status === 201) {
    const r = result as Ingested;
    return (
      <div class="card success" data-status={r.status}>
        <h2>{r.status === 'unchanged' ? 'Already in the archive' : 'Ingested'}</h2>
        <p>
          <a href={`/r/${encodeURIComponent(r.recording.id)}`}>{r.recording.title}</a> ({longDate(r.recording.recordedAt)}
          {r.recording.collection ? `, ${r.recording.collection}` : ''}): {r.moments} searchable passage{r.moments === 1 ? '' : 's'}
          {r.recording.speakers?.length ? `, speakers ${r.recording.speakers.join(', ')}` : ''}.
        </p>
        <p>
          <a href={`/?recording=${encodeURIComponent(r.recording.id)}`}>Search this recording</a>
        </p>
      </div>
    );
  }
  if (status === 202) return <JobView job={(result as { job: Job }).job} events={events} />;
  const message = (result as { error?: { message?: string } })?.error?.message ?? String(result);
  return (
    <div class="card failure" role="alert">
      <h2>Upload failed</h2>
      <p class="reason">{message}</p>
      <Retry />
    </div>
  );
}

function Retry() {
  // Without JS this goes back to an empty form; with JS it sends the same files again.
  return (
    <form action="/ingest" method="get" class="retry-form">
      <button type="submit" class="retry">
        Retry
      </button>
    </form>
  );
}

interface Summary {
  total?: number;
  ingested?: number;
  unchanged?: number;
  failed?: number;
  moments?: number;
  failures?: { line: number; id?: string; error: string }[];
}

export function JobView({ job, events }: { job: Job; events?: boolean }) {
  const done = job.status === 'succeeded' || job.status === 'failed';
  const s = (job.result ?? {}) as Summary;
  const pct = Math.round((job.status === 'succeeded' ? 1 : job.progress) * 100);
  return (
    <div class={`card job job-${job.status}`} data-job-id={job.id} data-status={job.status} data-events={events ? `/v1/jobs/${job.id}/events` : undefined}>
      <h2>
        Job <a href={`/ingest/jobs/${job.id}`}>{job.id.slice(0, 8)}</a>: <span class="job-status">{job.status}</span>
        {job.stage && !done ? <span class="job-stage muted"> ({job.stage})</span> : null}
      </h2>
      <label class="progress">
        <span class="visually-hidden">Progress</span>
        <progress max={100} value={pct}>
          {pct}%
        </progress>
        <span class="job-pct">{pct}%</span>
      </label>
      {job.status === 'failed' ? <p class="reason">{job.error ?? 'The job failed.'}</p> : null}
      {job.status === 'succeeded' ? (
        <p>
          {s.ingested ?? 0} ingested, {s.unchanged ?? 0} unchanged, {s.failed ?? 0} failed{s.moments ? `; ${s.moments} new passages` : ''}.{' '}
          <a href="/">Search the archive</a>
        </p>
      ) : null}
      {s.failures?.length ? (
        <div class="failures">
          <h3>Rows that failed</h3>
          <ul>
            {s.failures.map((f) => (
              <li>
                Line {f.line}
                {f.id ? ` (${f.id})` : ''}: <span class="reason">{f.error}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {job.status === 'failed' || s.failures?.length ? <Retry /> : null}
    </div>
  );
}

/** GET /ingest/jobs/:id: the job; without JS the page refreshes itself until the job ends. */
export async function jobPage(c: Context, api: Api): Promise<Response> {
  const r = await api.job(c.req.param('id') ?? '');
  if (!r.ok) return sendPage(c, <ErrorPage status={404} title="Job not found" message={r.message} />, 404);
  if (c.req.query('fragment')) return c.html(String(await (<JobView job={r.data} events={api.has('GET', JOB_EVENTS)} />)));
  const running = r.data.status === 'queued' || r.data.status === 'running';
  return sendPage(
    c,
    <Layout title="Ingest job" page="ingest" script="ingest.js" head={running ? <noscript><meta http-equiv="refresh" content="2" /></noscript> : undefined}>
      <h1>Ingest job</h1>
      <section id="ingest-result" class="ingest-result" aria-live="polite">
        <JobView job={r.data} events={api.has('GET', JOB_EVENTS)} />
      </section>
      <p>
        <a href="/ingest">Upload more</a>
      </p>
    </Layout>,
  );
}

/**
 * POST /ingest: forwards the upload to POST /v1/ingest. A browser sends a manifest's files by their base names,
 * so each is renamed to the manifest path that ends with that name. `?fragment=1` (the page's script) gets the
 * result panel alone; a plain form post gets the page, or the job page for a manifest.
 */
export async function ingestPost(c: Context, api: Api): Promise<Response> {
  const body = await c.req.parseBody({ all: true });
  const form = new FormData();
  const manifest = [body.manifest].flat()[0];
  const wanted = manifest instanceof File ? manifestPaths(await manifest.text(), manifest.name) : [];
  const meta: Meta = {};
  for (const [k, v] of Object.entries(body)) {
    for (const item of [v].flat()) {
      if (item instanceof File) {
        if (item.size === 0 && !item.name) continue;
        form.append(k, item, item === manifest ? item.name : matchPath(item.name, wanted));
      } else if (typeof item === 'string') {
        form.append(k, item);
        if (['id', 'title', 'recorded_at', 'collection', 'language'].includes(k)) meta[k as keyof Meta] = item;
      }
    }
  }
  const r = await api.call<unknown>('/v1/ingest', { method: 'POST', body: form });
  const result = r.ok ? r.data : { error: { message: r.message } };
  const status = r.status as 201 | 202 | 400 | 413 | 415 | 422 | 500;
  if (c.req.query('fragment')) return c.html(String(await (<ResultView result={result} status={status} events={api.has('GET', JOB_EVENTS)} />)), status);
  if (status === 202) return c.redirect(`/ingest/jobs/${(result as { job: Job }).job.id}`, 303);
  return ingestPage(c, status === 201 ? {} : meta, result, status);
}

function manifestPaths(text: string, name: string): string[] {
  try {
    const base = '/upload';
    const { rows } = parseManifest(text, name, base);
    return rows.flatMap((r) => [r.transcriptPath, r.mediaPath]).filter((p): p is string => !!p && p.startsWith(base)).map((p) => path.relative(base, p));
  } catch {
    return [];
  }
}

function matchPath(name: string, wanted: string[]): string {
  if (wanted.includes(name)) return name;
  const same = wanted.filter((w) => path.basename(w) === path.basename(name));
  return same.length === 1 ? same[0] : name;
}
