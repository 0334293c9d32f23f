/** Short videos made with ffmpeg for the video tests: title cards and a lower third over a sine tone. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ffmpegPath } from '../../src/ingest/audio/decode.js';

export const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

export interface Scene {
  seconds: number;
  /** Background colour (ffmpeg colour name or 0xRRGGBB). */
  colour: string;
  /** A title card: large text in the middle. */
  title?: string;
  /** A lower third: smaller text on a dark band near the bottom. */
  lower?: string;
}

/** drawtext's own escaping for text given in a filter graph (inside '…'). */
const drawable = (t: string) => t.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:').replace(/,/g, '\\,').replace(/%/g, '\\%');

/**
 * An MP4 (H.264 + AAC) of the scenes one after the other, 640×360 at 25 fps, with `audio` (a WAV, padded with
 * silence to the video's length) or a sine tone as its sound. The cuts between scenes are hard, so each scene's
 * first frame is a scene change at exactly its start time.
 */
export function makeVideo(dir: string, name: string, scenes: Scene[], audio?: string): string {
  if (!fs.existsSync(FONT)) throw new Error(`${FONT} not found: apt-get install -y fonts-dejavu-core`);
  const parts = scenes.map((sc, i) => {
    const draw: string[] = [];
    if (sc.title) draw.push(`drawtext=fontfile=${FONT}:text='${drawable(sc.title)}':fontsize=56:fontcolor=white:x=(w-tw)/2:y=(h-th)/2`);
    if (sc.lower) draw.push(`drawtext=fontfile=${FONT}:text='${drawable(sc.lower)}':fontsize=32:fontcolor=white:box=1:boxcolor=black:boxborderw=10:x=40:y=h-80`);
    return `color=c=${sc.colour}:s=640x360:d=${sc.seconds}:r=25${draw.length ? `,${draw.join(',')}` : ''}[v${i}]`;
  });
  const total = scenes.reduce((a, sc) => a + sc.seconds, 0);
  const graph = `${parts.join(';')};${scenes.map((_, i) => `[v${i}]`).join('')}concat=n=${scenes.length}:v=1:a=0[v]`;
  const out = path.join(dir, name);
  const sound = audio ? ['-i', audio] : ['-f', 'lavfi', '-i', `sine=frequency=300:duration=${total}:sample_rate=16000`];
  execFileSync(ffmpegPath(), [
    '-nostdin', '-y', '-v', 'error', ...sound,
    '-filter_complex', `${graph};[0:a]apad[a]`, '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-t', String(total), out,
  ]);
  return out;
}
