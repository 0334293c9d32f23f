/** Small formatting helpers shared by the pages. Everything here returns plain text; JSX escapes it. */
import { LANGUAGE_NAMES, languageOf, languageTagOf, rangeEnd, rangeStart } from '../../core/index.js';
import { deepLink, fallbackNote } from '../../retrieval/index.js';

export { questionDatesText } from '../../retrieval/index.js';

/** 75.4 → "1:15", 3725 → "1:02:05". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function clockRange(start: number, end: number): string {
  return `${clock(start)}–${clock(end)}`;
}

/** A language code or name as people read it ("es-MX" → "Spanish"); a code the path does not know, as given. */
export function languageName(code: string): string {
  const l = languageOf(code);
  return l ? LANGUAGE_NAMES[l] : code;
}

/**
 * A recording's language as an HTML `lang` value, so that its words are read out and hyphenated as that language
 * within the English page: a tag as canonical BCP 47, a language's name as its code, no language as the archive's
 * default (`fallback`). Undefined for a value that is neither (one stored before languages were checked).
 */
export function htmlLang(code: string | null | undefined, fallback: string): string | undefined {
  if (!code?.trim()) return fallback;
  return languageTagOf(code) ?? undefined;
}

// One formatter for every date: toLocaleDateString builds a new one each call, and the search form labels 500
// recordings with their dates (17 ms a page that way).
const LONG_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "1992-01-11" → "11 Jan 1992"; null → "undated". */
export function longDate(iso: string | null | undefined): string {
  if (!iso) return 'undated';
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return iso;
  return LONG_DATE.format(d);
}

export interface RoutingInfo {
  from: string | null;
  to: string | null;
  source: 'question' | 'params';
  matched?: string[];
  fallback?: boolean;
}

/** The warnings a page shows: the one the routing line already states (all dates searched) is left out. */
export function pageWarnings(warnings: string[] | undefined, routing: RoutingInfo | null | undefined): string[] {
  return (warnings ?? []).filter((w) => !(routing?.fallback && w === fallbackNote(routing)));
}

/** "Searching 1980-01-01 – 1989-12-31 (from the question)". */
export function routingText(r: RoutingInfo): string {
  const where = r.source === 'question' ? 'from the question' : 'from the filters';
  if (r.fallback) return `Little from ${r.from ?? '…'} – ${r.to ?? '…'} matched: searching all dates, the dates kept as words`;
  if (r.from && r.to) return `Searching ${r.from} – ${r.to} (${where})`;
  if (r.from) return `Searching from ${r.from} on (${where})`;
  if (r.to) return `Searching up to ${r.to} (${where})`;
  return `Searching all dates (${where})`;
}

/** The link to a moment (the API's `url` for it), carrying the query so the page can show its hits. */
export function momentHref(recordingId: string, start: number, q?: string): string {
  return q ? `${deepLink(recordingId, start)}&${new URLSearchParams({ q })}` : deepLink(recordingId, start);
}

/** The API's highlight is HTML-escaped text with <mark>; anything else that looks like a tag is escaped again. */
export function safeHighlight(html: string): string {
  return html.replace(/<(?!\/?mark>)/g, '&lt;');
}

export const SPEAKER_COLOURS = 8;

/** A stable colour slot per speaker, in order of first appearance. */
export function speakerSlots(labels: Iterable<string | null | undefined>): Map<string, number> {
  const slots = new Map<string, number>();
  for (const l of labels) if (l && !slots.has(l)) slots.set(l, slots.size % SPEAKER_COLOURS);
  return slots;
}

/** Builds a query string from the non-empty entries. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * A date filter as a date field shows it: a year or a month given in the address ("from=1987") as the day it
 * stands for at that end of the range, which the field can hold and the form sends again. Anything else as given.
 */
export function rangeDay(value: string | undefined, end: 'from' | 'to'): string | undefined {
  if (!value) return value;
  const r = (end === 'from' ? rangeStart : rangeEnd).safeParse(value);
  return r.success ? r.data : value;
}
