import { z } from 'zod';
import { languageTagOf } from './language/index.js';

// Input checks shared by the manifest reader, the API's request schemas and the command line.

/** A recording id: 1-128 letters, digits, '.', '_' or '-', beginning with a letter or a digit. */
export const RECORDING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The day `y-mo-day` as YYYY-MM-DD, or null when there is no such day. */
function calendarDay(y: number, mo: number, day: number): string | null {
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999 ('0050-06-01' would become 1950).
  const d = new Date(0);
  d.setUTCFullYear(y, mo - 1, day);
  if (y < 1 || d.getUTCFullYear() !== y || d.getUTCMonth() !== mo - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

/**
 * A calendar date that really exists, written YYYY-MM-DD: a recording's date. A year or a month alone is refused
 * here; the ends of a search's range take them (rangeStart, rangeEnd).
 */
export const isoDate = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    const day = m ? calendarDay(+m[1], +m[2], +m[3]) : null;
    if (!day) {
      ctx.addIssue({ code: 'custom', message: `not a date (YYYY-MM-DD): "${v}"` });
      return z.NEVER;
    }
    return day;
  });

/** The last day of month `mo` (1-12) of year `y`: day 0 of the month after it. */
function lastDayOf(y: number, mo: number): number {
  const d = new Date(0);
  d.setUTCFullYear(y, mo, 0);
  return d.getUTCDate();
}

/**
 * One end of a date range: a date, or a month or a year, read as its first day where the range starts and its last
 * where it ends, so that `from=1987&to=1987` is all of 1987 (a year read as its first day would end the range on
 * the first of January).
 */
function rangeBound(end: 'start' | 'end') {
  return z
    .string()
    .trim()
    .transform((v, ctx) => {
      const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(v);
      let day: string | null = null;
      if (m) {
        const y = +m[1];
        const mo = m[2] ? +m[2] : end === 'start' ? 1 : 12;
        day = calendarDay(y, mo, m[3] ? +m[3] : end === 'start' ? 1 : lastDayOf(y, mo));
      }
      if (!day) {
        ctx.addIssue({ code: 'custom', message: `not a date (YYYY-MM-DD, YYYY-MM or YYYY): "${v}"` });
        return z.NEVER;
      }
      return day;
    });
}
export const rangeStart = rangeBound('start');
export const rangeEnd = rangeBound('end');

/**
 * A recording's language: a well-formed BCP 47 tag ("es", "es-MX", "tlh"; a language the analysis does not know is
 * indexed word for word), or a name the analysis knows it by ("Deutsch"). Anything else would be stored and shown as
 * the recording's language while every check of it read it as no language at all.
 */
export const languageTag = z
  .string()
  .trim()
  .max(35)
  .superRefine((v, ctx) => {
    if (languageTagOf(v) === null) ctx.addIssue({ code: 'custom', message: `not a language tag (BCP 47, such as "es" or "es-MX"): "${v}"` });
  });

/** Postgres text cannot hold NUL: refuse it where input arrives instead of failing in the database. */
export const noNul = [(v: string) => !v.includes('\u0000'), { message: 'must not contain NUL (\\u0000) characters' }] as const;

/**
 * A schema's check that its date range can hold a date: `from` on or before `to` (ISO dates compare as strings).
 * Searched as given, a reversed range finds nothing, which reads as an archive with nothing on the subject.
 */
export function datesInOrder(v: { from?: string; to?: string }, ctx: z.RefinementCtx): void {
  if (v.from && v.to && v.from > v.to) ctx.addIssue({ code: 'custom', path: ['from'], message: `${v.from} is after to (${v.to})` });
}

/**
 * A validation failure as one line, each problem named by its field ("from: not a date …; limit: …"), after
 * `prefix` (the command line's "--").
 */
export function problemsOf(error: z.ZodError, prefix = ''): string {
  return error.issues.map((i) => `${prefix}${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
}
