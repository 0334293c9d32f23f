/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Api, RecordingSpeaker } from '../api.js';
import { clock, longDate, qs } from '../format.js';
import { ErrorPage, Layout, sendPage } from '../layout.js';

const PAGE = 50;

/** The search page filtered by a speaker. */
const searchHref = (name: string) => `/${qs({ speaker: name })}`;
const speakerHref = (name: string) => `/speakers/${encodeURIComponent(name)}`;

/** `/speakers?q=&offset=`: the archive's speakers by name, with their recordings and talk time. */
export async function speakersPage(c: Context, api: Api): Promise<Response> {
  const q = c.req.query('q')?.trim() || undefined;
  const offset = Math.max(0, Number.parseInt(c.req.query('offset') ?? '0', 10) || 0);
  const page = await api.speakerList({ q, limit: PAGE, offset });
  return sendPage(
    c,
    <Layout title="Speakers" page="speakers">
      <h1>Speakers</h1>
      <form class="speaker-filter" action="/speakers" method="get" role="search">
        <label for="f-speaker-q">Name starts with</label> <input id="f-speaker-q" name="q" value={q ?? ''} /> <button type="submit">Filter</button>
      </form>
      <p class="muted small">
        {page.total} speaker{page.total === 1 ? '' : 's'}
        {q ? ` starting with “${q}”` : ''}. A name opens a search of what that speaker said; the recordings count lists them.
      </p>
      {page.items.length ? (
        <table class="speakers">
          <thead>
            <tr>
              <th scope="col">Speaker</th>
              <th scope="col">Recordings</th>
              <th scope="col">Talk time</th>
              <th scope="col">Turns</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((x) => (
              <tr>
                <td>
                  <a class="speaker-name" href={searchHref(x.name)}>
                    {x.name}
                  </a>
                </td>
                <td>
                  <a href={speakerHref(x.name)}>{x.recordings}</a>
                </td>
                <td>{clock(x.seconds)}</td>
                <td>{x.turns}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <nav class="pager" aria-label="Pages">
        {offset > 0 ? <a href={`/speakers${qs({ q, offset: Math.max(0, offset - PAGE) || undefined })}`}>Previous</a> : null}{' '}
        {offset + PAGE < page.total ? <a href={`/speakers${qs({ q, offset: offset + PAGE })}`}>Next</a> : null}
      </nav>
    </Layout>,
  );
}

interface SpeakerDetail {
  name: string;
  recordings: number;
  seconds: number;
  items: { recording_id: string; title: string; recorded_at: string | null; seconds: number; turns: number; url: string }[];
}

/** `/speakers/<name>`: the recordings one speaker speaks in, most talk first. */
export async function speakerPage(c: Context, api: Api): Promise<Response> {
  const name = c.req.param('name') ?? '';
  const r = await api.call<SpeakerDetail>(`/v1/speakers/${encodeURIComponent(name)}?limit=500`);
  if (!r.ok) {
    if (r.status === 404 || r.status === 400) return sendPage(c, <ErrorPage status={404} title="Speaker not found" message={`No recording has a speaker “${name}”.`} />, 404);
    throw new Error(`speaker ${name}: ${r.message}`);
  }
  const d = r.data;
  return sendPage(
    c,
    <Layout title={d.name} page="speakers">
      <h1>{d.name}</h1>
      <p>
        {d.recordings} recording{d.recordings === 1 ? '' : 's'}, {clock(d.seconds)} of talk · <a href={searchHref(d.name)}>Search what {d.name} said</a> ·{' '}
        <a href="/speakers">All speakers</a>
      </p>
      <table class="speakers">
        <thead>
          <tr>
            <th scope="col">Recording</th>
            <th scope="col">Recorded</th>
            <th scope="col">Talk time</th>
          </tr>
        </thead>
        <tbody>
          {d.items.map((x) => (
            <tr>
              <td>
                <a href={x.url}>{x.title}</a>
              </td>
              <td>{longDate(x.recorded_at)}</td>
              <td>{clock(x.seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>,
  );
}

/**
 * The recording page's speaker forms, for keys that may write: name each label, or merge it into another
 * speaker of the recording. Sent as plain forms (no script needed) to POST /r/<id>/speakers.
 */
export function SpeakerEditor({ recordingId, speakers }: { recordingId: string; speakers: RecordingSpeaker[] }) {
  if (speakers.length === 0) return null;
  const action = `/r/${encodeURIComponent(recordingId)}/speakers`;
  return (
    <details class="speaker-editor" id="speakers">
      <summary>Name or merge speakers</summary>
      <ul>
        {speakers.map((x) => {
          // Another speaker to merge into: one shown under another name.
          const others = speakers.filter((o) => o.name !== x.name);
          return (
            <li data-label={x.label}>
              <form action={action} method="post" class="speaker-rename">
                <input type="hidden" name="label" value={x.label} />
                <label>
                  <span class="speaker-label">{x.label}</span> ({clock(x.seconds)}) <input name="name" value={x.name} maxlength={100} required aria-label={`Name of ${x.label}`} />
                </label>{' '}
                <button type="submit" name="action" value="rename">
                  Rename
                </button>
              </form>
              {others.length ? (
                <form action={action} method="post" class="speaker-merge">
                  <input type="hidden" name="label" value={x.label} />
                  <label>
                    Merge into{' '}
                    <select name="into" aria-label={`Merge ${x.label} into`}>
                      {others.map((o) => (
                        <option value={o.label}>{o.name === o.label ? o.label : `${o.name} (${o.label})`}</option>
                      ))}
                    </select>
                  </label>{' '}
                  <button type="submit" name="action" value="merge">
                    Merge
                  </button>
                </form>
              ) : null}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

/** POST /r/<id>/speakers: a rename or merge through the API with the page's key, then back to the recording. */
export async function speakersPost(c: Context, api: Api): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const form = await c.req.parseBody();
  const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
  const label = field('label');
  const base = `/v1/recordings/${encodeURIComponent(id)}/speakers`;
  const r =
    field('action') === 'merge'
      ? await api.call(`${base}/merge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ labels: [label], into: field('into') }) })
      : await api.call(`${base}/${encodeURIComponent(label)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: field('name') }) });
  if (r.ok) return c.redirect(`/r/${encodeURIComponent(id)}#speakers`, 303);
  return sendPage(
    c,
    <Layout title="Speaker not changed" page="recording">
      <h1>Speaker not changed</h1>
      <p class="notice error" role="alert">
        {r.message}
      </p>
      {r.status === 401 || r.status === 403 ? <p>Naming speakers needs an archivist key: sign in with one.</p> : null}
      <p>
        <a href={`/r/${encodeURIComponent(id)}`}>Back to the recording</a>
      </p>
    </Layout>,
    r.status as ContentfulStatusCode,
  );
}
