/**
 * Date → decade logic for temporal partitioning. The Elasticsearch adapter keeps one index per decade of
 * recording date so that date-bounded searches only touch the partitions that can match; other code
 * (e.g. routing or stats) uses the same functions so the partition names never drift apart.
 */
import { AppError } from '../../core/index.js';

/** Label of the partition holding recordings without a date. */
export const UNDATED = 'undated';

const YEAR_PREFIX = /^(\d{4})(?:-\d{2}(?:-\d{2})?)?(?:$|T)/;

/** The four-digit year of an ISO date (YYYY, YYYY-MM, YYYY-MM-DD, optionally with a time). */
export function yearOf(date: string): number {
  const m = YEAR_PREFIX.exec(date.trim());
  // A malformed date must not silently land in some partition: it would be missed by every range search.
  if (!m) throw new AppError('bad_request', `Invalid date "${date}": expected an ISO date such as 1987-05-01`);
  return Number(m[1]);
}

/** '1987-05-01' → '1980s'; null (or an empty string) → 'undated'. */
export function decadeOf(date: string | null): string {
  if (date === null || date.trim() === '') return UNDATED;
  return `${Math.floor(yearOf(date) / 10) * 10}s`;
}

/**
 * Decades whose span intersects the inclusive range [from, to], oldest first. A missing bound is open and
 * stands for minYear / maxYear; given bounds are used as they are, so an explicit 1750 is not clipped away.
 * Never includes 'undated': a dated range cannot match a recording without a date. An inverted range
 * gives []. With neither bound, every decade from minYear to maxYear.
 */
export function decadesOverlapping(
  from: string | null | undefined,
  to: string | null | undefined,
  minYear = 1800,
  maxYear = 2100,
): string[] {
  const lo = Math.floor((from ? yearOf(from) : minYear) / 10) * 10;
  const hi = Math.floor((to ? yearOf(to) : maxYear) / 10) * 10;
  const out: string[] = [];
  for (let d = lo; d <= hi; d += 10) out.push(`${d}s`);
  return out;
}
