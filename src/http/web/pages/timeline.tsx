/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Chapter, Hit, Segment } from '../api.js';
import { clock, clockRange } from '../format.js';

// A hit is marked on the bar as its moment (where its link opens), not as the whole passage shown.
const MOMENT_MARK_S = 20;

interface Turn {
  speaker: string | null;
  start: number;
  end: number;
}

/** Consecutive lines of one speaker are one turn on the bar. */
export function turns(segments: Segment[]): Turn[] {
  const out: Turn[] = [];
  for (const s of segments) {
    const last = out.at(-1);
    if (last && last.speaker === s.speaker && s.start - last.end < 2) last.end = Math.max(last.end, s.end);
    else out.push({ speaker: s.speaker, start: s.start, end: s.end });
  }
  return out;
}

const pct = (x: number, duration: number) => `${Math.min(100, Math.max(0, (x / duration) * 100)).toFixed(3)}%`;

interface Props {
  duration: number;
  segments: Segment[];
  chapters: Chapter[];
  hits: Hit[];
  slots: Map<string, number>;
  t: number | null;
  q?: string;
  href: (seconds: number) => string;
}

/**
 * A bar over the whole recording: chapters (links), speaker turns (coloured per speaker) and the search hits
 * for the query the page was opened with (links). The playhead marks t and, with audio, follows playback.
 */
export function Timeline({ duration, segments, chapters, hits, slots, t, q, href }: Props) {
  const pos = (start: number, end: number) => `left:${pct(start, duration)};width:${pct(Math.max(end - start, duration / 1000), duration)}`;
  return (
    <div class="timeline" data-duration={duration}>
      {chapters.length ? (
        <div class="track chapters-track" role="list" aria-label="Chapters on the timeline">
          {chapters.map((ch, i) => (
            <a
              role="listitem"
              class={`chap chap-${i % 2}`}
              style={pos(ch.start, ch.end)}
              href={href(ch.start)}
              data-seek={ch.start}
              data-end={ch.end}
              aria-current={t !== null && ch.start <= t && t < ch.end ? 'true' : undefined}
              title={`${clockRange(ch.start, ch.end)} ${ch.title}`}
            >
              <span>{ch.title}</span>
            </a>
          ))}
        </div>
      ) : null}
      <div class="track turns-track" aria-hidden="true" title="Speaker turns: click to jump">
        {turns(segments).map((tu) => (
          <span
            class={`turn${tu.speaker && slots.has(tu.speaker) ? ` spk-${slots.get(tu.speaker)}` : ''}`}
            style={pos(tu.start, tu.end)}
            title={`${tu.speaker ?? 'Unknown'} ${clockRange(tu.start, tu.end)}`}
          ></span>
        ))}
        <span class="playhead" style={`left:${pct(t ?? 0, duration)}`}></span>
      </div>
      {q ? (
        <div class="track hits-track" role="list" aria-label={`Search hits for “${q}”`}>
          {hits.map((h, i) => (
            <a
              role="listitem"
              class="hitmark"
              style={pos(h.at, Math.min(h.end, h.at + MOMENT_MARK_S))}
              href={href(h.at)}
              data-seek={h.at}
              aria-label={`Hit ${i + 1} at ${clock(h.at)}`}
              title={`${clock(h.at)} ${h.text.slice(0, 120)}`}
            ></a>
          ))}
        </div>
      ) : null}
      <div class="scale small muted" aria-hidden="true">
        <span>0:00</span>
        <span>{clock(duration / 2)}</span>
        <span>{clock(duration)}</span>
      </div>
    </div>
  );
}
