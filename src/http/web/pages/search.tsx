/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Api, BrowsedRecording, Hit, Search, SearchFormLists } from '../api.js';
import { askHref } from './ask.js';
import { FacetsArea } from './facets.js';
import { KeyframeStrip } from './keyframes.js';
import { clock, clockRange, htmlLang, languageName, longDate, momentHref, pageWarnings, qs, questionDatesText, rangeDay, routingText, safeHighlight } from '../format.js';
import { Field, Layout, sendPage } from '../layout.js';
import { cursorFirst, cursorOffset, moveCursor } from '../../api/cursor.js';
import { quotedPhrases } from '../../../core/index.js';

const MODES = ['hybrid', 'bm25', 'vector'] as const;
const FILTERS = ['from', 'to', 'collection', 'speaker', 'recording', 'kind'] as const;
const KEYS = ['q', ...FILTERS, 'mode', 'lang', 'group', 'limit', 'temporal', 'speakers', 'order', 'cursor'] as const;
// Browsing by filters alone (no words) needs one of these.
const BROWSE_BY = ['collection', 'speaker', 'from', 'to', 'recording'] as const;
// The languages a question can be read in, by their own names.
const QUESTION_LANGUAGES = [['en', 'English'], ['es', 'Español'], ['de', 'Deutsch']] as const;
type Params = Partial<Record<(typeof KEYS)[number], string>>;

/**
 * Everything the page shows comes through the API, with the page's key: what the API refuses, the page lacks.
 * `defaultLanguage`: the language of recordings that name none (DEFAULT_LANGUAGE), for their excerpts' `lang`.
 */
export async function searchPage(c: Context, api: Api, defaultLanguage: string): Promise<Response> {
  const p: Params = {};
  for (const k of KEYS) {
    const v = c.req.query(k)?.trim();
    if (v) p[k] = v;
  }
  const { recordings, collections, speakers, stats } = await api.searchForm();
  let search: Search | null = null;
  let error: { status: number; message: string } | null = null;
  const browsing = !p.q && BROWSE_BY.some((k) => p[k]);
  if (p.q || browsing) {
    const { group: _g, ...apiParams } = p;
    const r = await api.search({ limit: '20', ...apiParams, facets: 'true' } as Record<string, string>);
    if (r.ok) search = r.data;
    else error = r;
  }
  const title = p.q ? `“${p.q}”` : browsing ? 'Browse the archive' : 'Speech archive';
  return sendPage(
    c,
    <Layout title={title} page="search" script="search.js">
      <h1 class={p.q || browsing ? 'visually-hidden' : undefined}>Search the archive</h1>
      <SearchForm p={p} recordings={recordings} collections={collections} speakers={speakers} />
      {error ? (
        <p class="notice error" role="alert">
          {error.message}
        </p>
      ) : null}
      {search ? <Results p={p} search={search} defaultLanguage={defaultLanguage} /> : null}
      {!p.q && !browsing ? <Intro recordings={stats?.recordings ?? 0} moments={stats?.moments ?? 0} /> : null}
    </Layout>,
    (error?.status ?? 200) as ContentfulStatusCode,
  );
}

function SearchForm({ p, recordings, collections, speakers }: { p: Params; recordings: SearchFormLists['recordings']; collections: { name: string; recordings: number }[]; speakers: string[] }) {
  const filtered = FILTERS.some((k) => p[k]) || (p.mode && p.mode !== 'hybrid') || !!p.lang;
  return (
    <form class="search" action="/" method="get" role="search">
      <div class="searchbar">
        <label for="q" class="visually-hidden">
          Search the archive
        </label>
        <input id="q" name="q" type="search" value={p.q ?? ''} placeholder="What was said about… (empty with a filter: browse)" autocomplete="off" />
        <button type="submit">Search</button>
      </div>
      {p.group ? <input type="hidden" name="group" value={p.group} /> : null}
      {p.temporal === 'off' ? <input type="hidden" name="temporal" value="off" /> : null}
      {p.speakers === 'off' ? <input type="hidden" name="speakers" value="off" /> : null}
      <details class="filters" open={filtered || undefined}>
        <summary>Filters</summary>
        <div class="grid">
          <Field name="from" label="From date" type="date" value={rangeDay(p.from, 'from')} />
          <Field name="to" label="To date" type="date" value={rangeDay(p.to, 'to')} />
          <Field name="collection" label="Collection" value={p.collection} list="collections" />
          <Field name="speaker" label="Speaker" value={p.speaker} list="speakers" />
          <Field name="recording" label="Recording" value={p.recording} list="recordings" placeholder="recording id" />
          <div class="field">
            <label for="f-kind">Found in</label>
            <select id="f-kind" name="kind">
              <option value="" selected={!p.kind}>
                Speech and on-screen text
              </option>
              <option value="speech" selected={p.kind === 'speech'}>
                Speech only
              </option>
              <option value="screen" selected={p.kind === 'screen'}>
                On-screen text only (video)
              </option>
            </select>
          </div>
          <div class="field">
            <label for="f-mode">Mode</label>
            <select id="f-mode" name="mode">
              {MODES.map((m) => (
                <option value={m} selected={(p.mode ?? 'hybrid') === m}>
                  {m === 'hybrid' ? 'Hybrid (words + meaning)' : m === 'bm25' ? 'Words (BM25)' : 'Meaning (vector)'}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-lang">Question language</label>
            <select id="f-lang" name="lang">
              <option value="" selected={!p.lang}>
                Detect
              </option>
              {QUESTION_LANGUAGES.map(([code, name]) => (
                <option value={code} selected={p.lang === code}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <datalist id="collections">
          {collections.map((x) => (
            <option value={x.name} label={`${x.name} (${x.recordings} recording${x.recordings === 1 ? '' : 's'})`} />
          ))}
        </datalist>
        <datalist id="speakers">{speakers.map((x) => <option value={x} />)}</datalist>
        <datalist id="recordings">{recordings.map((r) => <option value={r.id} label={`${r.title} (${longDate(r.recordedAt)})`} />)}</datalist>
        {filtered ? (
          <p>
            <a href={`/${qs({ q: p.q, group: p.group })}`}>Clear filters</a>
          </p>
        ) : null}
      </details>
    </form>
  );
}

/** "N matching moments" from the search's total (the lexical matches), or the passages shown when there is none. */
function totalText(search: Search, n: number): string {
  if (search.total === null) return n === 0 ? 'No moments found' : `${n} moment${n === 1 ? '' : 's'}`;
  if (search.total === 0 && n === 0) return 'No moments found';
  // What hybrid search lists when none of the question's words is said: the moments nearest it in meaning.
  if (search.total === 0) return `No moment says these words: ${n} passage${n === 1 ? '' : 's'} close in meaning`;
  const count = search.total.toLocaleString('en');
  return `${search.total_relation === 'gte' ? 'More than ' : ''}${count} matching moment${search.total === 1 ? '' : 's'}`;
}

function Results({ p, search, defaultLanguage }: { p: Params; search: Search; defaultLanguage: string }) {
  const grouped = p.group === 'recording';
  // A filter, mode or view changed from this page starts again at the first page.
  const link = (extra: Params) => `/${qs({ ...p, cursor: undefined, ...extra })}`;
  // The question as asked, without its quote marks: what the indexes were asked for, dates and speaker apart.
  const unquoted = quotedPhrases(search.query).text;
  const n = search.results.length;
  const limit = Number(p.limit ?? 20);
  const offset = cursorOffset(p.cursor);
  // Back past the first page's end is the first page itself (no cursor).
  const prevCursor = offset - limit >= cursorFirst(p.cursor) && p.cursor ? moveCursor(p.cursor, offset - limit) : undefined;
  const { group: _g, cursor: _c, ...terms } = p;
  const exportHref = (format: string) => `/v1/search/export${qs({ ...terms, limit: String(limit), format })}`;
  if (search.recordings) return <Browse p={p} search={search} recordings={search.recordings} offset={offset} prevCursor={prevCursor ?? undefined} />;
  return (
    <section class="results" aria-labelledby="results-heading">
      <div class="results-head">
        <h2 id="results-heading">
          {totalText(search, n)} <span class="muted">{search.total === 0 && n > 0 ? 'to' : 'for'} “{search.query}”</span>
        </h2>
        {n > 0 ? (
          <p class="muted small page-range">
            Passages {offset + 1}–{offset + n}
            {search.total_passages !== null ? ` of ${search.total_passages}` : ''}
          </p>
        ) : null}
        <p class="muted small">
          {search.mode} · {Math.round(search.took_ms)} ms{search.cached ? ' · cached' : ''}
        </p>
        {p.q ? (
          <p class="small">
            <a class="ask-this" href={askHref(p.q, p)}>
              Ask this as a question
            </a>
          </p>
        ) : null}
      </div>
      <div class="understood" aria-live="polite">
        {search.routing ? (
          <p class="chip routing">
            {routingText(search.routing)}
            {search.routing.source === 'question' && !search.routing.fallback ? (
              <>
                {' '}
                · <a href={link({ temporal: 'off' })}>search all dates</a>
              </>
            ) : null}
          </p>
        ) : null}
        {search.speaker_filter ? (
          <p class="chip speaker-filter">
            Speaker: <strong>{search.speaker_filter.label}</strong> (named in the question as “{search.speaker_filter.matched}”) ·{' '}
            <a href={link({ speakers: 'off' })}>every speaker</a>
          </p>
        ) : null}
        {search.language.code !== 'en' || search.language.source === 'param' ? (
          <p class="chip language">
            Read as {languageName(search.language.code)}
            {search.language.source === 'detected' ? ' (from its words)' : ''}
          </p>
        ) : null}
        {search.matched_text && search.matched_text !== unquoted ? <p class="muted small">Matched words: “{search.matched_text}”</p> : null}
        {search.phrases.length > 0 ? (
          <p class="chip phrases">
            {n > 0 ? 'Every result says ' : 'No moment says '}
            {search.phrases.map((x, i) => <>{i > 0 ? ' and ' : ''}<strong>“{x}”</strong></>)} word for word ·{' '}
            <a href={link({ q: unquoted })}>the words anywhere</a>
          </p>
        ) : null}
        {pageWarnings(search.warnings, search.routing).map((w) => (
          <p class="notice warn">{w}</p>
        ))}
      </div>
      {n > 0 ? (
        <div class="view-toggle" role="group" aria-label="Show results">
          <a href={link({ group: undefined })} aria-current={grouped ? undefined : 'true'}>
            Moments
          </a>
          <a href={link({ group: 'recording' })} aria-current={grouped ? 'true' : undefined}>
            By recording
          </a>
        </div>
      ) : (
        <p>Try other words, fewer filters{search.routing?.source === 'question' ? ', or all dates' : ''}.</p>
      )}
      {search.frames?.length ? <MatchingFrames frames={search.frames} q={search.query} /> : null}
      <FacetsArea facets={search.facets} p={p} />
      {grouped ? (
        <Grouped hits={search.results} q={search.query} defaultLanguage={defaultLanguage} />
      ) : (
        <HitList hits={search.results} q={search.query} defaultLanguage={defaultLanguage} showTitle />
      )}
      <Pager p={p} label="Pages of results" offset={offset} prevCursor={prevCursor ?? undefined} next={search.next_cursor} />
      {n > 0 ? (
        <p class="export small">
          Export the list (up to 1,000 passages): <a href={exportHref('csv')}>Export CSV</a> · <a href={exportHref('json')}>Export JSON</a>
        </p>
      ) : null}
    </section>
  );
}

/** Keyframes whose picture matches the words (a visual embedder): each opens its recording at the frame. */
function MatchingFrames({ frames, q }: { frames: NonNullable<Search['frames']>; q: string }) {
  const links = frames.map((f) => ({
    at: f.at,
    thumbnail_url: f.thumbnail_url,
    href: momentHref(f.recording_id, f.at, q),
    label: `${f.recording_title}, ${clock(f.at)}${f.text ? `: ${f.text}` : ''}`,
  }));
  return <KeyframeStrip class="frames matching-frames" label="Frames that match" heading={<h3 class="small">Frames that look like “{q}”</h3>} frames={links} />;
}

/** Browsing by filters alone: the recordings passing them, newest first, with the facets of their moments. */
function Browse({ p, search, recordings, offset, prevCursor }: { p: Params; search: Search; recordings: BrowsedRecording[]; offset: number; prevCursor?: string }) {
  const n = recordings.length;
  return (
    <section class="results browse" aria-labelledby="results-heading">
      <div class="results-head">
        <h2 id="results-heading">
          {search.total === 0 ? 'No recordings' : `${(search.total ?? n).toLocaleString('en')} recording${search.total === 1 ? '' : 's'}`}{' '}
          <span class="muted">{search.routing?.source === 'question' ? questionDatesText(search.routing) : 'matching the filters'}</span>
        </h2>
        {n > 0 ? (
          <p class="muted small page-range">
            Recordings {offset + 1}–{offset + n}
          </p>
        ) : null}
      </div>
      {n > 0 ? (
        <div class="view-toggle" role="group" aria-label="Order">
          <a href={`/${qs({ ...p, cursor: undefined, order: undefined })}`} aria-current={p.order !== 'oldest' ? 'true' : undefined}>
            Newest first
          </a>
          <a href={`/${qs({ ...p, cursor: undefined, order: 'oldest' })}`} aria-current={p.order === 'oldest' ? 'true' : undefined}>
            Oldest first
          </a>
        </div>
      ) : null}
      {pageWarnings(search.warnings, search.routing).map((w) => (
        <p class="notice warn">{w}</p>
      ))}
      <FacetsArea facets={search.facets} p={p} />
      <ol class="recordings">
        {recordings.map((r) => (
          <li class="recording-item" data-recording={r.recording_id}>
            <h3>
              <a href={r.url}>{r.recording_title}</a>
            </h3>
            <p class="meta">
              <time datetime={r.recorded_at ?? undefined}>{longDate(r.recorded_at)}</time>
              {r.collection ? <span> · {r.collection}</span> : null}
              {r.duration_s !== null ? <span> · {clock(r.duration_s)}</span> : null}
              {r.speakers.length ? <span> · {r.speakers.slice(0, 4).join(', ')}{r.speakers.length > 4 ? ` +${r.speakers.length - 4}` : ''}</span> : null}
            </p>
          </li>
        ))}
      </ol>
      <Pager p={p} label="Pages of recordings" offset={offset} prevCursor={prevCursor} next={search.next_cursor} />
    </section>
  );
}

/** Previous and next page links; none on a single page. */
function Pager({ p, label, offset, prevCursor, next }: { p: Params; label: string; offset: number; prevCursor?: string; next: string | null }) {
  if (offset === 0 && !next) return null;
  return (
    <nav class="pager" aria-label={label}>
      {offset > 0 ? (
        <a rel="prev" href={`/${qs({ ...p, cursor: prevCursor })}`}>
          ← Previous page
        </a>
      ) : null}
      {next ? (
        <a rel="next" href={`/${qs({ ...p, cursor: next })}`}>
          Next page →
        </a>
      ) : null}
    </nav>
  );
}

function HitList({ hits, q, defaultLanguage, showTitle }: { hits: Hit[]; q: string; defaultLanguage: string; showTitle?: boolean }) {
  return (
    <ol class="hits">
      {hits.map((h) => (
        <li class={h.kind === 'screen' ? 'hit kind-screen' : 'hit'} data-recording={h.recording_id} data-start={h.start} data-end={h.end} data-at={h.at} data-kind={h.kind}>
          {showTitle ? (
            <h3>
              <a class="moment" href={momentHref(h.recording_id, h.at, q)}>
                {h.recording_title}
              </a>
            </h3>
          ) : null}
          <p class="meta">
            {showTitle ? (
              <>
                <time datetime={h.recorded_at ?? undefined}>{longDate(h.recorded_at)}</time>
                {h.collection ? <span> · {h.collection}</span> : null}
                {h.language ? <span class="lang-badge" title="Language of the recording"> · {languageName(h.language)}</span> : null}
                <span> · </span>
              </>
            ) : null}
            {h.kind === 'screen' ? (
              <span class="screen-mark" title="Text read off a video keyframe">
                On screen
              </span>
            ) : (
              <Speakers h={h} />
            )}
            <span> · </span>
            <a class={showTitle ? 'time' : 'time moment'} href={momentHref(h.recording_id, h.at, q)} aria-label={`Play from ${clock(h.at)}`} title={`Passage ${clockRange(h.start, h.end)}`}>
              {clock(h.at)}
            </a>
          </p>
          <p class="text" lang={htmlLang(h.language, defaultLanguage)} dangerouslySetInnerHTML={{ __html: safeHighlight(h.highlight) }} />
        </li>
      ))}
    </ol>
  );
}

/** The passage's first speaker, and how many others speak in it. */
function Speakers({ h }: { h: Hit }) {
  const main = h.speaker ?? h.speakers[0] ?? 'Unknown speaker';
  const others = h.speakers.filter((x) => x !== main);
  return (
    <span class="speaker" title={h.speakers.length > 1 ? h.speakers.join(', ') : undefined}>
      {main}
      {others.length ? <span class="others"> +{others.length} other{others.length === 1 ? '' : 's'}</span> : null}
    </span>
  );
}

function Grouped({ hits, q, defaultLanguage }: { hits: Hit[]; q: string; defaultLanguage: string }) {
  const groups = new Map<string, Hit[]>();
  for (const h of hits) groups.set(h.recording_id, [...(groups.get(h.recording_id) ?? []), h]);
  return (
    <div class="groups">
      {[...groups.values()].map((g) => (
        <section class="group">
          <h3>
            <a href={`/r/${encodeURIComponent(g[0].recording_id)}${qs({ q })}`}>{g[0].recording_title}</a>
          </h3>
          <p class="meta">
            <time datetime={g[0].recorded_at ?? undefined}>{longDate(g[0].recorded_at)}</time>
            {g[0].collection ? ` · ${g[0].collection}` : ''} · {g.length} moment{g.length === 1 ? '' : 's'}
          </p>
          <HitList hits={[...g].sort((a, b) => a.at - b.at)} q={q} defaultLanguage={defaultLanguage} />
        </section>
      ))}
    </div>
  );
}

function Intro({ recordings, moments }: { recordings: number; moments: number }) {
  const examples = ['remote control price', 'what did marketing say about the design?', 'in the 1990s, budget concerns'];
  return (
    <section class="intro">
      <p>
        Find the moments in {recordings} recording{recordings === 1 ? '' : 's'} ({moments} passages) where something was said. Questions can name a
        time (“in the early seventies”) or a speaker (“what did marketing say…”); the search reads them and tells you how.
      </p>
      <p>Try:</p>
      <ul class="examples">
        {examples.map((e) => (
          <li>
            <a href={`/${qs({ q: e })}`}>{e}</a>
          </li>
        ))}
      </ul>
      <p>
        Or <a href="/ask">ask a question</a> and get an answer with citations, or <a href="/ingest">add recordings</a>.
      </p>
    </section>
  );
}
