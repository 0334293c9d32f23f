/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import path from 'node:path/posix';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { parseManifest } from '../../../ingest/index.js';
import { STAGES } from '../../../archive/index.js';
import type { Api, Job, Recording } from '../api.js';
import { clock, longDate } from '../format.js';
import { ErrorPage, Field, Layout, sendPage } from '../layout.js';
import { signInPage } from './signin.js';

/** The server-sent job events route, used instead of polling when the API has it. */
const JOB_EVENTS = '/v1/jobs/:id/events';

type Meta = Partial<Record<'id' | 'title' | 'recorded_at' | 'collection' | 'language', string>>;
type Ingested = { status: 'ingested' | 'unchanged'; moments: number; recording: Recording };

/** Where the ingest page keeps the API key (the browser's local storage, never a URL or a cookie). */
export const KEY_STORAGE = 'speech-archive.api-key';
const KEY_COMMAND = 'npm run cli -- keys create --name <your name> --role archivist';
const MEDIA_ACCEPT = 'audio/*,video/*,.wav,.mp3,.m4a,.aac,.flac,.ogg,.oga,.opus,.mp4,.mkv,.mov,.webm';

export function ingestPage(c: Context, meta: Meta = {}, result?: unknown, status: number = 200): Promise<Response> {
  return sendPage(
    c,
    <Layout title="Add recordings" page="ingest" script="ingest.js">
      <h1>Add recordings</h1>
      <section class="card key-card" aria-labelledby="key-heading">
        <h2 id="key-heading">API key</h2>
        <div class="field">
          <label for="api-key">Archivist API key</label>
          <input id="api-key" type="password" autocomplete="off" spellcheck={false} data-storage={KEY_STORAGE} aria-describedby="api-key-hint" />
          <small id="api-key-hint" class="hint">
            Adding recordings needs a key with the archivist role, unless this server allows public writes. Create one on the server with{' '}
            <code>{KEY_COMMAND}</code>. The key stays in this browser and is sent with each upload as an <code>Authorization</code> header, never in a URL.
          </small>
        </div>
        <p class="key-actions">
          <button type="button" id="api-key-forget" class="secondary">
            Forget the key
          </button>{' '}
          <span id="api-key-state" class="small muted" aria-live="polite"></span>
        </p>
        <noscript>
          <p class="notice warn small">Without JavaScript the key cannot be sent: uploads from this page work only when the server allows public writes.</p>
        </noscript>
      </section>
      <div class="ingest-forms">
        <section class="card" aria-labelledby="media-heading">
          <h2 id="media-heading">Upload audio or video</h2>
          <p class="muted small">Transcribed on the server (speech recognition, speakers, chapters), then searchable and playable.</p>
          <form id="ingest-audio" class="ingest" action="/ingest" method="post" enctype="multipart/form-data" data-target="/v1/recordings">
            <input type="hidden" name="kind" value="media" />
            <div class="field">
              <label for="audio">Audio or video file</label>
              <input id="audio" name="file" type="file" accept={MEDIA_ACCEPT} required />
            </div>
            <div class="grid">
              <Field name="title" label="Title" id="m-title" />
              <Field name="recorded_at" label="Recorded on" type="date" id="m-recorded_at" />
              <Field name="collection" label="Collection" id="m-collection" />
              <Field name="language" label="Language" id="m-language" placeholder="en" />
            </div>
            <button type="submit">Upload recording</button>
          </form>
        </section>
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
    status as ContentfulStatusCode,
  );
}

/** A transcript upload's answer: 201 when it was indexed, 200 when it was already, unchanged. */
const transcriptIngested = (status: number, result: unknown) => status === 201 || (status === 200 && (result as Ingested | null)?.status === 'unchanged');

type Accepted = { recording: Recording & { media_url?: string | null }; job: Job | null; duplicate: boolean };

/**
 * What the API answered an upload (POST /v1/ingest, POST /v1/recordings) or a retry, as shown to the person who
 * sent it. `job`: the failure is of a retry of that job (its Retry button retries the job again).
 */
export function ResultView({ result, status, events, job }: { result: unknown; status: number; events?: boolean; job?: string }) {
  if (transcriptIngested(status, result)) {
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
  if (status === 202 && (result as { job?: Job })?.job) return <JobView job={(result as { job: Job }).job} events={events} />;
  if (status === 200 && (result as Accepted)?.duplicate) {
    const r = (result as Accepted).recording;
    return (
      <div class="card success" data-status="duplicate">
        <h2>Already in the archive</h2>
        <p>
          This file is already <a href={`/r/${encodeURIComponent(r.id)}`}>{r.title}</a> ({longDate(r.recordedAt)}, {r.status}): one file is one recording.
        </p>
      </div>
    );
  }
  const message = (result as { error?: { message?: string } })?.error?.message ?? String(result);
  if (status === 401 || status === 403) return <AuthFailure message={message} status={status} job={job} />;
  return (
    <div class="card failure" role="alert" data-http-status={status}>
      <h2>{job ? 'Retry failed' : 'Upload failed'}</h2>
      <p class="reason">{message}</p>
      <Retry job={job} />
    </div>
  );
}

/** A 401 or 403 from the API in words: what is missing and how to get a key. */
function AuthFailure({ message, status, job }: { message: string; status: number; job?: string }) {
  return (
    <div class="card failure auth" role="alert" data-http-status={status}>
      <h2>{status === 401 ? 'An API key is needed' : 'This API key may not add recordings'}</h2>
      <p>
        {status === 401
          ? 'This server only takes uploads with an API key that has the archivist role.'
          : 'Adding recordings needs a key with the archivist (or admin) role.'}{' '}
        Create one on the server with <code>{KEY_COMMAND}</code>, paste it into the <a href="#api-key">API key</a> field above, and press Retry.
      </p>
      <p class="reason small">The API said: {message}</p>
      <Retry job={job} />
    </div>
  );
}

function Retry({ job }: { job?: string }) {
  // A failed media job is run again from where it failed (POST /v1/jobs/:id/retry, through the page without JS).
  if (job) {
    return (
      <form action={`/ingest/jobs/${encodeURIComponent(job)}/retry`} method="post" class="retry-form">
        <button type="submit" class="retry" data-job-id={job}>
          Retry
        </button>
      </form>
    );
  }
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

/** What a media job's result holds (src/ingest/pipeline/pipeline.ts). */
interface MediaResult {
  recording_id?: string;
  status?: string;
  moments?: number;
  speakers?: string[];
  durationS?: number | null;
  failedChunks?: number;
}

const MEDIA_JOB = 'ingest-media';
type StageView = Pick<NonNullable<Job['stages']>[number], 'stage' | 'status' | 'progress'>;

/** One stage of a media job, as the list shows it (ingest.js rewrites it from the job's events). */
export function stageText(st: StageView): string {
  if (st.status === 'running' || (st.status === 'pending' && st.progress > 0)) return `${Math.round(st.progress * 100)}%`;
  return { pending: 'waiting', done: 'done', failed: 'failed', partial: 'done, with gaps' }[st.status] ?? st.status;
}

export function JobView({ job, events }: { job: Job; events?: boolean }) {
  const done = job.status === 'succeeded' || job.status === 'failed';
  const media = job.kind === MEDIA_JOB;
  const s = (job.result ?? {}) as Summary;
  const m = (job.result ?? {}) as MediaResult;
  const pct = Math.round((job.status === 'succeeded' ? 1 : job.progress) * 100);
  const recordingId = job.recordingId ?? m.recording_id;
  // A job just submitted comes without its stages: all of them are waiting.
  const stages = job.stages?.length ? job.stages : media && !done ? STAGES.map((stage) => ({ stage, status: 'pending' as const, progress: 0 })) : [];
  return (
    <div
      class={`card job job-${job.status}`}
      data-job-id={job.id}
      data-kind={job.kind}
      data-status={job.status}
      data-events={events ? `/v1/jobs/${job.id}/events` : undefined}
    >
      <h2>
        {media ? 'Transcribing' : 'Job'} <a href={`/ingest/jobs/${job.id}`}>{media && recordingId ? recordingId : job.id.slice(0, 8)}</a>:{' '}
        <span class="job-status">{job.status}</span>
        {!done ? <span class="job-stage muted">{job.stage ? ` (${job.stage})` : ''}</span> : null}
      </h2>
      <label class="progress">
        <span class="visually-hidden">Progress</span>
        <progress max={100} value={pct}>
          {pct}%
        </progress>
        <span class="job-pct">{pct}%</span>
      </label>
      {media && stages.length ? (
        <ol class="stages small" aria-label="Stages">
          {stages.map((st) => (
            <li data-stage={st.stage} data-status={st.status}>
              <span class="stage-name">{st.stage}</span> <span class="stage-state">{stageText(st)}</span>
            </li>
          ))}
        </ol>
      ) : null}
      {job.status === 'failed' ? <p class="reason">{job.error ?? 'The job failed.'}</p> : null}
      {job.status === 'failed' && job.attempts > 1 ? <p class="small muted">Tried {job.attempts} times.</p> : null}
      {job.status === 'succeeded' && media ? (
        <p class="job-done">
          {m.status === 'unchanged' ? 'Already transcribed' : 'Transcribed'}: {m.moments ?? 0} searchable passage{m.moments === 1 ? '' : 's'}
          {m.durationS ? ` from ${clock(m.durationS)} of audio` : ''}
          {m.speakers?.length ? `, speakers ${m.speakers.join(', ')}` : ''}
          {m.failedChunks ? `, ${m.failedChunks} inaudible gap${m.failedChunks === 1 ? '' : 's'}` : ''}.{' '}
          {recordingId ? (
            <>
              <a href={`/r/${encodeURIComponent(recordingId)}`}>Open the recording</a> · <a href={`/?recording=${encodeURIComponent(recordingId)}`}>Search it</a>
            </>
          ) : null}
        </p>
      ) : null}
      {job.status === 'succeeded' && !media ? (
        <p class="job-done">
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
      {job.status === 'failed' || s.failures?.length ? <Retry job={job.status === 'failed' && media ? job.id : undefined} /> : null}
    </div>
  );
}

/** GET /ingest/jobs/:id: the job; without JS the page refreshes itself until the job ends. */
export async function jobPage(c: Context, api: Api): Promise<Response> {
  const r = await api.job(c.req.param('id') ?? '');
  if (!r.ok && r.status === 401) {
    const url = new URL(c.req.url);
    return signInPage(c, { next: url.pathname, message: 'Following an ingest job needs an API key with the archivist role.', status: 401 });
  }
  if (!r.ok && r.status === 403) return sendPage(c, <ErrorPage status={403} title="Not for this key" message={r.message} />, 403);
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
 * POST /ingest: forwards the upload to the API: a transcript or a manifest to POST /v1/ingest, the audio form
 * (`kind=media`) to POST /v1/recordings. A browser sends a manifest's files by their base names, so each is
 * renamed to the manifest path that ends with that name. `?fragment=1` (the page's script) gets the result panel
 * alone; a plain form post gets the page, or the job page for a job. The request's Authorization header (the
 * script sends the key from the page's key field) goes with it.
 */
export async function ingestPost(c: Context, api: Api): Promise<Response> {
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch (err) {
    const result = { error: { message: `cannot read the upload (a multipart/form-data body): ${(err as Error).message}` } };
    if (c.req.query('fragment')) return c.html(String(await (<ResultView result={result} status={400} />)), 400);
    return ingestPage(c, {}, result, 400);
  }
  const form = new FormData();
  const manifest = [body.manifest].flat()[0];
  const media = body.kind === 'media';
  const wanted = manifest instanceof File ? manifestPaths(await manifest.text(), manifest.name) : [];
  const meta: Meta = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'kind') continue;
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
  const r = await api.call<unknown>(media ? '/v1/recordings' : '/v1/ingest', { method: 'POST', body: form });
  const result = r.ok ? r.data : { error: { message: r.message } };
  if (c.req.query('fragment')) return c.html(String(await (<ResultView result={result} status={r.status} events={api.has('GET', JOB_EVENTS)} />)), r.status as ContentfulStatusCode);
  const job = (result as { job?: Job | null }).job;
  if (r.status === 202 && job) return c.redirect(`/ingest/jobs/${job.id}`, 303);
  return ingestPage(c, transcriptIngested(r.status, result) || media ? {} : meta, result, r.status);
}

/** POST /ingest/render: what the API answered the page's script (a direct upload, a retry) as the result panel. */
export async function renderResult(c: Context, api: Api): Promise<Response> {
  // JSON only: a cross-site form (which cannot send it) gets nothing rendered on this origin.
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) return c.json({ error: { code: 'unsupported_format', message: 'send application/json' } }, 415);
  const body = (await c.req.json().catch(() => null)) as { status?: unknown; result?: unknown; job?: unknown } | null;
  const status = Number(body?.status);
  if (!body || !Number.isInteger(status) || status < 100 || status > 599) return c.json({ error: { code: 'bad_request', message: 'expected {status, result, job?}' } }, 400);
  const job = typeof body.job === 'string' && /^[0-9a-f-]{36}$/i.test(body.job) ? body.job : undefined;
  return c.html(String(await (<ResultView result={body.result ?? null} status={status} events={api.has('GET', JOB_EVENTS)} job={job} />)));
}

/** POST /ingest/jobs/:id/retry: the Retry of a failed job without JS; back to the job page, which follows it. */
export async function retryJobPost(c: Context, api: Api): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const r = await api.call<Job>(`/v1/jobs/${encodeURIComponent(id)}/retry`, { method: 'POST' });
  if (r.ok) return c.redirect(`/ingest/jobs/${encodeURIComponent(id)}`, 303);
  return sendPage(
    c,
    <Layout title="Retry failed" page="ingest" script="ingest.js">
      <h1>Retry failed</h1>
      <section id="ingest-result" class="ingest-result" aria-live="polite">
        <ResultView result={{ error: { message: r.message } }} status={r.status} job={id} />
      </section>
      <p>
        <a href={`/ingest/jobs/${encodeURIComponent(id)}`}>Back to the job</a> · <a href="/ingest">Upload more</a>
      </p>
    </Layout>,
    r.status as ContentfulStatusCode,
  );
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
