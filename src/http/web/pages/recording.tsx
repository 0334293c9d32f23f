/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import { cueSentences } from '../../../core/index.js';
import { type Api, type Chapter, type Frame, type Hit, isVideo, mediaUrl, type Segment } from '../api.js';
import { clock, clockRange, htmlLang, languageName, longDate, momentHref, qs, speakerSlots } from '../format.js';
import { ErrorPage, Layout, sendPage } from '../layout.js';
import { CorrectionsPanel, historyOf } from './corrections.js';
import { SpeakerEditor } from './speakers.js';
import { KeyframeStrip } from './keyframes.js';
import { Timeline } from './timeline.js';

/** `1h2m3s`, `7m45s`, `465s`: how other players write a time in a link (any part may be left out, but not all). */
const UNITS = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/i;

/** The seconds a recording page opens at: `465.74`, a clock (`7:45`, `1:02:03`) or `7m45s`; null for anything else. */
export function parseTime(v: string | undefined): number | null {
  if (!v) return null;
  const written = v.trim();
  const units = written.match(UNITS);
  if (units && units.slice(1).some((x) => x !== undefined)) return Number(units[1] ?? 0) * 3600 + Number(units[2] ?? 0) * 60 + Number(units[3] ?? 0);
  const parts = written.split(':');
  if (parts.length > 3 || parts.some((x) => !/^\d+(\.\d+)?$/.test(x))) return null;
  return parts.reduce((acc, x) => acc * 60 + Number(x), 0);
}

/** The line that holds t; in a pause between turns, the turn that follows it. */
export function activeIndex(segments: Segment[], t: number | null): number {
  if (t === null || segments.length === 0) return -1;
  const inside = segments.findIndex((s) => s.start <= t && t < s.end);
  if (inside >= 0) return inside;
  const next = segments.findIndex((s) => s.start > t);
  return next >= 0 ? next : segments.length - 1;
}

/**
 * `canWrite`: the page's key may name speakers (the forms are shown). `defaultLanguage`: the language of a recording
 * that names none (DEFAULT_LANGUAGE), for its transcript's `lang`.
 */
export async function recordingPage(c: Context, api: Api, opts: { canWrite?: boolean; defaultLanguage?: string } = {}): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const q = c.req.query('q')?.trim() || undefined;
  const rec = await api.recording(id);
  if (!rec.ok) {
    if (rec.status === 404 || rec.status === 400) {
      return sendPage(c, <ErrorPage status={404} title="Recording not found" message={`There is no recording “${id}” in the archive.`} />, 404);
    }
    throw new Error(`recording ${id}: ${rec.message}`);
  }
  const r = rec.data;
  const [segments, chapters, hits, frames, speakers] = await Promise.all([
    api.segments(id),
    // A single chapter spanning the whole recording says nothing the title does not: chapters show from two on.
    api.chapters(id).then((list) => (list.length > 1 ? list : [])),
    q ? api.search({ q, recording: id, limit: '50' }).then((x) => (x.ok ? x.data.results.filter((h) => h.recording_id === id) : [])) : Promise.resolve([] as Hit[]),
    api.frames(id),
    opts.canWrite ? api.recordingSpeakers(id) : Promise.resolve([]),
  ]);
  // Only archivists may read a recording's corrections, and so see the way to make them.
  const corrections = await historyOf(api, id);
  const t = parseTime(c.req.query('t'));
  const active = activeIndex(segments, t);
  const media = mediaUrl(r);
  const slots = speakerSlots([...segments.map((s) => s.speaker), ...(r.speakers ?? [])]);
  const duration = Math.max(r.durationS ?? 0, segments.at(-1)?.end ?? 0, chapters.at(-1)?.end ?? 0, 1);
  const at = (s: number) => momentHref(id, s, q);
  // The chapter that holds t (the list marks it; recording.js keeps the mark on playback).
  const chapterAt = t === null ? -1 : chapters.reduce((found, ch, i) => (ch.start <= t ? i : found), -1);
  // The page is English; what was said, and the chapter titles taken from it, are in the recording's language.
  const lang = htmlLang(r.language, opts.defaultLanguage ?? 'en');

  return sendPage(
    c,
    <Layout title={r.title} page="recording" script="recording.js">
      <article class="recording" data-id={r.id} data-t={t ?? undefined} data-q={q}>
        <header class="rec-head">
          <h1>{r.title}</h1>
          <dl class="facts">
            <div>
              <dt>Recorded</dt>
              <dd>
                <time datetime={r.recordedAt ?? undefined}>{longDate(r.recordedAt)}</time>
              </dd>
            </div>
            <div>
              <dt>Collection</dt>
              <dd>{r.collection ?? '—'}</dd>
            </div>
            <div>
              <dt>Language</dt>
              <dd>{r.language ? languageName(r.language) : '—'}</dd>
            </div>
            <div>
              <dt>Length</dt>
              <dd>{clock(duration)}</dd>
            </div>
            <div>
              <dt>Speakers</dt>
              <dd>
                <ul class="legend">
                  {[...slots.entries()].map(([label, n]) => (
                    <li>
                      <span class={`swatch spk-${n}`} aria-hidden="true"></span>
                      {label}
                    </li>
                  ))}
                  {slots.size === 0 ? <li>unknown</li> : null}
                </ul>
              </dd>
            </div>
          </dl>
          {opts.canWrite ? <SpeakerEditor recordingId={r.id} speakers={speakers} /> : null}
          {media ? null : <p class="muted small no-media">No audio for this recording yet: the transcript is shown on its own.</p>}
          {r.status !== 'ready' ? (
            <p class="notice warn">
              This recording is {r.status}
              {r.error ? `: ${r.error}` : ''}.
            </p>
          ) : null}
        </header>

        <section class="player-area" aria-label="Playback">
          <p class="sticky-title" aria-hidden="true">
            {r.title} · {longDate(r.recordedAt)}
          </p>
          {media && isVideo(r) ? (
            <video id="player" class="video" controls preload="metadata" playsinline src={t !== null ? `${media}#t=${t}` : media} data-start={t ?? 0}>
              <a href={media}>Download the recording</a>
            </video>
          ) : media ? (
            <audio id="player" controls preload="metadata" src={t !== null ? `${media}#t=${t}` : media} data-start={t ?? 0}>
              <a href={media}>Download the recording</a>
            </audio>
          ) : null}
          <Timeline duration={duration} segments={segments} chapters={chapters} hits={hits} slots={slots} t={t} q={q} href={at} />
          {q ? (
            <p class="small">
              {hits.length} hit{hits.length === 1 ? '' : 's'} for “{q}” in this recording · <a href={`/${qs({ q })}`}>back to the results</a>
            </p>
          ) : null}
        </section>

        {frames.length ? <FrameStrip frames={frames} t={t} href={at} /> : null}

        {chapters.length ? (
          <nav class="chapters" aria-label="Chapters">
            <h2>Chapters</h2>
            <ol>
              {chapters.map((ch, i) => (
                <li>
                  <a href={at(ch.start)} data-seek={ch.start} data-end={ch.end} title={clockRange(ch.start, ch.end)} aria-current={i === chapterAt ? 'true' : undefined}>
                    <span class="time">{clock(ch.start)}</span> <span lang={lang}>{ch.title}</span>
                  </a>
                  {ch.keywords.length ? (
                    // Each keyword opens the chapter with that keyword's hits in this recording on the timeline.
                    <ul class="keywords" aria-label={`Keywords of “${ch.title}”`}>
                      {ch.keywords.map((k) => (
                        <li>
                          <a href={momentHref(id, ch.start, k)} data-keyword={k} lang={lang}>
                            {k}
                          </a>
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </li>
              ))}
            </ol>
          </nav>
        ) : null}

        <section class="transcript-area" aria-labelledby="transcript-heading">
          <div class="transcript-head">
            <h2 id="transcript-heading">Transcript</h2>
            {active >= 0 ? (
              <a class="jump" href={`#s-${active}`}>
                Jump to {clock(segments[active].start)}
              </a>
            ) : null}
            {media ? (
              <label class="follow">
                <input type="checkbox" id="follow" checked /> Follow playback
              </label>
            ) : null}
            <span class="downloads small">
              Download: {(['vtt', 'srt', 'txt', 'json'] as const).map((f, i) => (
                <>
                  {i ? ' · ' : ''}
                  <a href={`/v1/recordings/${encodeURIComponent(id)}/transcript?format=${f}`}>{f.toUpperCase()}</a>
                </>
              ))}
            </span>
          </div>
          {segments.length === 0 ? <p>No transcript.</p> : <Transcript segments={segments} chapters={chapters} hits={hits} slots={slots} active={active} t={t} href={at} lang={lang} />}
        </section>

        <CorrectionsPanel items={corrections} id={r.id} />
      </article>
    </Layout>,
  );
}

/** A video's keyframes, each a link to its time (the player seeks there); the text read off it is its title. */
function FrameStrip({ frames, t, href }: { frames: Frame[]; t: number | null; href: (s: number) => string }) {
  // The frame on screen at t: the last one at or before it.
  const current = t === null ? -1 : frames.reduce((found, f, i) => (f.at <= t + 0.5 ? i : found), -1);
  const links = frames.map((f, i) => ({
    at: f.at,
    thumbnail_url: f.thumbnail_url,
    href: href(f.at),
    label: f.text ? `${clock(f.at)}: ${f.text}` : `${clock(f.at)}: frame ${f.n + 1}`,
    seek: f.at,
    current: i === current,
  }));
  return <KeyframeStrip class="frames" label="Keyframes" heading={<h2>Keyframes</h2>} frames={links} />;
}

function Transcript(props: { segments: Segment[]; chapters: Chapter[]; hits: Hit[]; slots: Map<string, number>; active: number; t: number | null; href: (s: number) => string; lang?: string }) {
  const { segments, chapters, hits, slots, active, t, href, lang } = props;
  let nextChapter = 0;
  return (
    <div class="transcript" id="transcript" lang={lang}>
      {segments.map((s, i) => {
        const heads: Chapter[] = [];
        while (nextChapter < chapters.length && chapters[nextChapter].start < s.end) heads.push(chapters[nextChapter++]);
        const inHit = hits.some((h) => h.start < s.end && s.start < h.end);
        // The line a hit's link opens on: where the asked-about talk begins.
        const opensHit = hits.some((h) => s.start <= h.at && h.at < s.end);
        const n = s.speaker ? slots.get(s.speaker) : undefined;
        const same = i > 0 && segments[i - 1].speaker === s.speaker && heads.length === 0;
        return (
          <>
            {heads.map((ch) => (
              <h3 class="chapter" id={`ch-${chapters.indexOf(ch)}`} data-start={ch.start}>
                <a class="time" href={href(ch.start)} data-seek={ch.start}>
                  {clock(ch.start)}
                </a>{' '}
                {ch.title}
              </h3>
            ))}
            <p
              class={`line${n !== undefined ? ` spk-${n}` : ''}${inHit ? ' in-hit' : ''}${opensHit ? ' hit-moment' : ''}${same ? ' same' : ''}${i === active ? ' current' : ''}`}
              id={`s-${i}`}
              data-start={s.start}
              data-end={s.end}
              aria-current={i === active ? 'true' : undefined}
            >
              <a class="ts" href={href(s.start)} title={inHit ? 'Part of a search hit' : undefined} aria-label={`${clockRange(s.start, s.end)}${s.speaker ? `, ${s.speaker}` : ''}`}>
                {clock(s.start)}
              </a>
              <span class="who">{s.speaker ?? ''}</span>
              <span class="said">{i === active && t !== null ? <Opened segment={s} t={t} /> : s.text}</span>
            </p>
          </>
        );
      })}
    </div>
  );
}

/**
 * The line a link opens on, its sentence at `t` marked: a search's link opens on a sentence (bestSentenceStart),
 * and a line can hold several. Its sentences are timed as the search times them (cueSentences), so the mark is
 * the one the link meant; a line of one sentence is left as it is, already marked as the current line.
 */
function Opened(props: { segment: Segment; t: number }) {
  const { segment, t } = props;
  const sentences = cueSentences({ ...segment, speaker: segment.speaker ?? undefined });
  if (sentences.length < 2) return <>{segment.text}</>;
  const at = sentences.reduce((found, x, i) => (x.start <= t + 0.01 ? i : found), 0);
  return (
    <>
      {sentences.map((x, i) => (
        <>
          {i > 0 ? ' ' : ''}
          {i === at ? <mark class="opens">{x.text}</mark> : x.text}
        </>
      ))}
    </>
  );
}
