/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import { clock } from '../format.js';

export interface KeyframeLink {
  at: number;
  thumbnail_url: string;
  href: string;
  /** The link's title and the image's alt text. */
  label: string;
  /** The player seeks here on the recording page (recording.js reads data-seek). */
  seek?: number;
  current?: boolean;
}

/** A strip of keyframe thumbnails, each a link to its time: the recording page's keyframes, a search's matching frames. */
export function KeyframeStrip({ class: className, label, heading, frames }: { class: string; label: string; heading: Child; frames: KeyframeLink[] }) {
  return (
    <nav class={className} aria-label={label}>
      {heading}
      <ol>
        {frames.map((f) => (
          <li>
            <a href={f.href} data-seek={f.seek} title={f.label} aria-current={f.current ? 'true' : undefined}>
              <img src={f.thumbnail_url} alt={f.label} loading="lazy" width="160" />
              <span class="time">{clock(f.at)}</span>
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}
