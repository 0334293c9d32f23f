/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Api, Recording, Segment } from '../api.js';
import { clock, longDate, qs } from '../format.js';
import { ErrorPage, Field, Layout, sendPage } from '../layout.js';

/**
 * Corrections on the web: plain forms that post to web routes, which send the change to the JSON API with the
 * page's key (PATCH /v1/recordings/…) and come back to the page. The forms show to whoever may read the
 * history, i.e. a key with the archivist role (or everyone when the server allows public writes).
 */

export interface RevisionView {
  rev: number;
  at: string;
  actor: string;
  target: 'recording' | 'segment';
  seq: number | null;
  changes: { field: string; before: unknown; after: unknown }[];
  revert_of: number | null;
}

const base = (id: string) => `/r/${encodeURIComponent(id)}`;

/** The recording's corrections, or null when this key may not see them (and so may not correct). */
export async function historyOf(api: Api, id: string): Promise<RevisionView[] | null> {
  const r = await api.call<{ items: RevisionView[] }>(`/v1/recordings/${encodeURIComponent(id)}/history`);
  return r.ok ? r.data.items : null;
}

/** For the recording page: the way to the corrections and the latest ones; nothing for whoever may not correct (items null). */
export function CorrectionsPanel({ items, id }: { items: RevisionView[] | null; id: string }) {
  if (!items) return null;
  return (
    <section class="corrections" aria-labelledby="corrections-heading">
      <h2 id="corrections-heading">Corrections</h2>
      <p>
        <a href={`${base(id)}/edit`}>Correct the title, date, collection or transcript lines</a>
      </p>
      <History items={items.slice(0, 5)} id={id} />
      {items.length > 5 ? (
        <p class="small">
          <a href={`${base(id)}/edit#history`}>All {items.length} corrections</a>
        </p>
      ) : null}
    </section>
  );
}

const show = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));

function History({ items, id, revert = false }: { items: RevisionView[]; id: string; revert?: boolean }) {
  if (items.length === 0) return <p class="muted small">No corrections yet.</p>;
  return (
    <ol class="history" reversed>
      {items.map((r) => (
        <li id={`rev-${r.rev}`}>
          <span class="small muted">
            #{r.rev} · <time datetime={r.at}>{r.at.replace('T', ' ').slice(0, 16)}</time> · {r.actor}
          </span>{' '}
          {r.target === 'segment' ? <a href={`${base(id)}/edit#s-${r.seq}`}>line {(r.seq ?? 0) + 1}</a> : 'recording'}
          {r.revert_of ? ` (reverts #${r.revert_of})` : ''}:{' '}
          {r.changes.map((ch, i) => (
            <>
              {i ? '; ' : ''}
              {ch.field} <del>{show(ch.before)}</del> → <ins>{show(ch.after)}</ins>
            </>
          ))}
          {revert ? (
            <form class="inline" action={`${base(id)}/history/${r.rev}/revert`} method="post">
              <button type="submit" class="link">
                Revert
              </button>
            </form>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

interface EditState {
  /** The message of a refused change, shown above the form it came from. */
  error?: { where: 'recording' | number; message: string };
  /** What the refused form held, shown again for another try. */
  form?: Record<string, string>;
}

/** GET /r/:id/edit: the metadata form, a form per transcript line, and the history with a way to revert. */
export async function editPage(c: Context, api: Api, state: EditState = {}, status: ContentfulStatusCode = 200): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const rec = await api.recording(id);
  if (!rec.ok) {
    if (rec.status === 404 || rec.status === 400) return sendPage(c, <ErrorPage status={404} title="Recording not found" message={`There is no recording “${id}” in the archive.`} />, 404);
    throw new Error(`recording ${id}: ${rec.message}`);
  }
  const items = await historyOf(api, id);
  if (!items) {
    return sendPage(
      c,
      <ErrorPage
        status={403}
        title="Correcting needs an archivist key"
        message={
          <>
            <a href={`/signin${qs({ next: `${base(id)}/edit` })}`}>Sign in</a> with a key that has the archivist role to correct this recording.
          </>
        }
      />,
      403,
    );
  }
  const r = rec.data;
  const segments = await api.segments(id);
  const saved = c.req.query('saved');
  const err = state.error;
  return sendPage(
    c,
    <Layout title={`Correct ${r.title}`} page="recording">
      <article class="correct" data-id={r.id}>
        <p class="small">
          <a href={base(id)}>← {r.title}</a>
        </p>
        <h1>Correct “{r.title}”</h1>
        {saved ? (
          <p class="notice ok" role="status">
            Saved and re-indexed: searches find the corrected {saved === 'line' ? 'line' : 'recording'} now.
          </p>
        ) : null}
        <RecordingForm rec={r} form={err?.where === 'recording' ? state.form : undefined} error={err?.where === 'recording' ? err.message : undefined} />
        <section aria-labelledby="lines-heading">
          <h2 id="lines-heading">Transcript lines</h2>
          <p class="muted small">Times in seconds. A line keeps its place: its start stays between its neighbours' starts.</p>
          {segments.length === 0 ? <p>No transcript.</p> : null}
          <ol class="edit-lines">
            {segments.map((s, seq) => (
              <LineForm id={id} seq={seq} line={s} form={err?.where === seq ? state.form : undefined} error={err?.where === seq ? err.message : undefined} />
            ))}
          </ol>
        </section>
        <section id="history" aria-labelledby="history-heading">
          <h2 id="history-heading">History</h2>
          <History items={items} id={id} revert />
        </section>
      </article>
    </Layout>,
    status,
  );
}

function RecordingForm({ rec, form, error }: { rec: Recording; form?: Record<string, string>; error?: string }) {
  const v = (k: string, stored: string | null) => form?.[k] ?? stored ?? '';
  return (
    <section class="card" aria-labelledby="meta-heading">
      <h2 id="meta-heading">Recording</h2>
      {error ? (
        <p class="notice error" role="alert">
          {error}
        </p>
      ) : null}
      <form action={`${base(rec.id)}/edit`} method="post">
        <div class="grid">
          <Field name="title" label="Title" value={v('title', rec.title)} id="e-title" />
          <Field name="recorded_at" label="Recorded on" type="date" value={v('recorded_at', rec.recordedAt)} id="e-recorded_at" hint={`Now: ${longDate(rec.recordedAt)}`} />
          <Field name="collection" label="Collection" value={v('collection', rec.collection)} id="e-collection" />
          <Field name="language" label="Language" value={v('language', rec.language)} id="e-language" placeholder="en" />
        </div>
        <button type="submit">Save the recording</button>
      </form>
    </section>
  );
}

function LineForm({ id, seq, line, form, error }: { id: string; seq: number; line: Segment; form?: Record<string, string>; error?: string }) {
  const v = (k: string, stored: string | number | null) => form?.[k] ?? (stored === null ? '' : String(stored));
  const f = `l${seq}`;
  return (
    <li id={`s-${seq}`} class="edit-line">
      {error ? (
        <p class="notice error" role="alert">
          {error}
        </p>
      ) : null}
      <form action={`${base(id)}/lines/${seq}`} method="post" aria-label={`Line ${seq + 1} at ${clock(line.start)}`}>
        <label for={`${f}-start`}>Start</label>
        <input id={`${f}-start`} name="start" type="number" step="0.001" min="0" value={v('start', line.start)} size={7} />
        <label for={`${f}-end`}>End</label>
        <input id={`${f}-end`} name="end" type="number" step="0.001" min="0" value={v('end', line.end)} size={7} />
        <label for={`${f}-speaker`}>Speaker</label>
        <input id={`${f}-speaker`} name="speaker" value={v('speaker', line.speaker)} size={12} />
        <label for={`${f}-text`}>Text</label>
        <input id={`${f}-text`} name="text" value={v('text', line.text)} class="said" required />
        <button type="submit" class="secondary">
          Save
        </button>
      </form>
    </li>
  );
}

async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** A refusal from the API, shown on the edit page beside the form; anything else is the page's failure. */
async function refused(c: Context, api: Api, res: { status: number; message: string }, state: EditState): Promise<Response> {
  if (res.status >= 500) throw new Error(`correction failed: ${res.message}`);
  return editPage(c, api, state, res.status as ContentfulStatusCode);
}

/** POST /r/:id/edit: the metadata form. Empty date, collection or language clear them. */
export async function editRecordingPost(c: Context, api: Api): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const form = await formOf(c);
  const body: Record<string, string | null> = {};
  for (const k of ['title', 'recorded_at', 'collection', 'language']) if (k in form) body[k] = form[k];
  const res = await api.call(`/v1/recordings/${encodeURIComponent(id)}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) return refused(c, api, res, { error: { where: 'recording', message: res.message }, form });
  return c.redirect(`${base(id)}/edit?saved=recording`, 303);
}

/** POST /r/:id/lines/:seq: one line's form, sent whole (fields equal to the stored ones change nothing). */
export async function editLinePost(c: Context, api: Api): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const seq = Number(c.req.param('seq'));
  const form = await formOf(c);
  const body: Record<string, unknown> = {};
  if ('text' in form) body.text = form.text;
  if ('speaker' in form) body.speaker = form.speaker;
  for (const k of ['start', 'end'] as const) {
    if (!(k in form) || form[k].trim() === '') continue;
    // A number the API can check; anything else goes as typed so the refusal names the field.
    body[k] = /^\d+(\.\d+)?$/.test(form[k].trim()) ? Number(form[k]) : form[k];
  }
  const res = await api.call(`/v1/recordings/${encodeURIComponent(id)}/segments/${Number.isInteger(seq) && seq >= 0 ? seq : 'x'}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) return refused(c, api, res, { error: { where: Number.isInteger(seq) ? seq : 'recording', message: res.message }, form });
  return c.redirect(`${base(id)}/edit?saved=line#s-${seq}`, 303);
}

/** POST /r/:id/history/:rev/revert. */
export async function revertPost(c: Context, api: Api): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const rev = c.req.param('rev') ?? '';
  const res = await api.call(`/v1/recordings/${encodeURIComponent(id)}/history/${encodeURIComponent(rev)}/revert`, { method: 'POST' });
  if (!res.ok) return refused(c, api, res, { error: { where: 'recording', message: res.message } });
  return c.redirect(`${base(id)}/edit?saved=recording#history`, 303);
}
