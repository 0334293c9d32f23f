import { type Cue, AppError } from '../../core/index.js';

export const EXPORT_FORMATS = ['vtt', 'srt', 'txt', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportMeta {
  id: string;
  title: string;
}

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  vtt: 'text/vtt; charset=utf-8',
  srt: 'application/x-subrip; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export function contentTypeFor(format: ExportFormat): string {
  if (!isExportFormat(format)) throw new AppError('unsupported_format', `unknown export format "${String(format)}"`);
  return CONTENT_TYPES[format];
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** hh:mm:ss plus milliseconds after `sep`; rounding to whole ms first keeps 59.9996 s from printing as 00:00:59.1000. */
function clock(seconds: number, sep?: '.' | ','): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const hms = `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}`;
  return sep ? `${hms}${sep}${pad(ms % 1000, 3)}` : hms;
}

// Cue text is one line in every format: a blank line would end an SRT/VTT cue early.
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
const escapeVtt = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function toVtt(cues: Cue[], meta: ExportMeta): string {
  // "-->" is not allowed in a NOTE block, and a newline would end it.
  const note = oneLine(`${meta.title} (${meta.id})`).replace(/-->/g, '->');
  const blocks = cues.map((c) => {
    const text = escapeVtt(oneLine(c.text));
    const speaker = c.speaker ? oneLine(c.speaker) : '';
    return `${clock(c.start, '.')} --> ${clock(c.end, '.')}\n${speaker ? `<v ${escapeVtt(speaker)}>${text}</v>` : text}`;
  });
  return `WEBVTT\n\nNOTE ${note}\n\n${blocks.join('\n\n')}\n`;
}

function toSrt(cues: Cue[]): string {
  const blocks = cues.map((c, i) => {
    const speaker = c.speaker ? `${oneLine(c.speaker)}: ` : '';
    return `${i + 1}\n${clock(c.start, ',')} --> ${clock(c.end, ',')}\n${speaker}${oneLine(c.text)}`;
  });
  return `${blocks.join('\n\n')}\n`;
}

function toTxt(cues: Cue[]): string {
  return cues.map((c) => `[${clock(c.start)}] ${c.speaker ? `${oneLine(c.speaker)}: ` : ''}${oneLine(c.text)}\n`).join('');
}

function toJson(cues: Cue[], meta: ExportMeta): string {
  const segments = cues.map((c) => ({
    start: c.start,
    end: c.end,
    speaker: c.speaker ?? null,
    text: c.text,
    ...(c.words?.length ? { words: c.words } : {}),
  }));
  // Pretty-printed so that a re-import's errors point at useful line numbers.
  return `${JSON.stringify({ id: meta.id, title: meta.title, segments }, null, 2)}\n`;
}

export function exportTranscript(format: ExportFormat, cues: Cue[], meta: ExportMeta): string {
  switch (format) {
    case 'vtt':
      return toVtt(cues, meta);
    case 'srt':
      return toSrt(cues);
    case 'txt':
      return toTxt(cues);
    case 'json':
      return toJson(cues, meta);
    default:
      throw new AppError('unsupported_format', `unknown export format "${String(format)}"`);
  }
}
