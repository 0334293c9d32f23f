/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Facets } from '../api.js';
import { qs } from '../format.js';

type Params = Record<string, string | undefined>;
type Bucket = Facets['year'][number];

// Beyond this many years between the first and the last, the chart shows only the years with hits (a gap in
// a century of years would leave each bar a hairline).
const CONTINUOUS_YEARS = 80;

/** The page with one more filter (replacing its own value), from the first page again. */
const withFilter = (p: Params, extra: Params) => `/${qs({ ...p, cursor: undefined, ...extra })}`;

const yearRange = (y: string) => ({ from: `${y}-01-01`, to: `${y}-12-31` });
const decadeRange = (d: string) => ({ from: `${d.slice(0, 4)}-01-01`, to: `${Number(d.slice(0, 4)) + 9}-12-31` });
const counts = (b: Bucket) => `${b.moments.toLocaleString('en')} moment${b.moments === 1 ? '' : 's'} in ${b.recordings} recording${b.recordings === 1 ? '' : 's'}`;

/**
 * Hits per year as bars, each a link that filters the search to its year: the archive is organised by date,
 * and where the matches fall in time is often the first thing a researcher wants. Plain HTML and CSS.
 */
export function YearChart({ years, p }: { years: Bucket[]; p: Params }) {
  if (years.length === 0) return null;
  const first = Number(years[0].value);
  const last = Number(years.at(-1)!.value);
  const by = new Map(years.map((y) => [y.value, y]));
  const shown: (Bucket | { value: string; moments: 0; recordings: 0 })[] =
    last - first <= CONTINUOUS_YEARS
      ? Array.from({ length: last - first + 1 }, (_, i) => by.get(String(first + i)) ?? { value: String(first + i), moments: 0, recordings: 0 })
      : years;
  const most = Math.max(...years.map((y) => y.moments));
  const labelled = yearLabels(shown.map((y) => y.value));
  return (
    <figure class="year-chart">
      <figcaption class="small muted">Matching moments per year (select a year to filter)</figcaption>
      <ol>
        {shown.map((y, i) => {
          const current = p.from === yearRange(y.value).from && p.to === yearRange(y.value).to;
          const bar = <span class="bar" style={`height:${Math.max(y.moments ? 4 : 0, (y.moments / most) * 100).toFixed(1)}%`}></span>;
          return (
            <li>
              {y.moments ? (
                <a href={withFilter(p, yearRange(y.value))} title={`${y.value}: ${counts(y)}`} aria-label={`${y.value}: ${counts(y)}`} aria-current={current ? 'true' : undefined} data-year={y.value}>
                  {bar}
                </a>
              ) : (
                <span class="empty" title={`${y.value}: none`}>{bar}</span>
              )}
              <span class="year" aria-hidden="true">{labelled.has(i) ? y.value : ''}</span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}

/**
 * The bars whose year is written under them: every one of a dozen or fewer; else the first, the last and the
 * decades, each at least a tenth of the chart from the one before and from the last, so that two years never
 * run together ("20202021") on a narrow screen.
 */
function yearLabels(years: string[]): Set<number> {
  const n = years.length;
  if (n <= 12) return new Set(years.keys());
  const gap = Math.ceil(n / 10);
  const kept = [0];
  years.forEach((y, i) => {
    if (i > 0 && i < n - 1 && Number(y) % 10 === 0 && i - kept.at(-1)! >= gap && n - 1 - i >= gap) kept.push(i);
  });
  return new Set([...kept, n - 1]);
}

/** The year chart and the facet lists, when anything matched (results and browsing alike). */
export function FacetsArea({ facets, p }: { facets: Facets | null | undefined; p: Params }) {
  if (!facets || facets.moments === 0) return null;
  return (
    <div class="facets-area">
      <YearChart years={facets.year} p={p} />
      <FacetPanel facets={facets} p={p} />
    </div>
  );
}

/** Counts by collection, decade, year and speaker; each value a link adding its filter. */
export function FacetPanel({ facets, p }: { facets: Facets; p: Params }) {
  const lists: { title: string; name: string; buckets: Bucket[]; filter: (v: string) => Params; current: (v: string) => boolean }[] = [
    { title: 'Collection', name: 'collection', buckets: facets.collection, filter: (v) => ({ collection: v }), current: (v) => p.collection === v },
    { title: 'Decade', name: 'decade', buckets: facets.decade, filter: decadeRange, current: (v) => p.from === decadeRange(v).from && p.to === decadeRange(v).to },
    { title: 'Year', name: 'year', buckets: [...facets.year].reverse(), filter: yearRange, current: (v) => p.from === yearRange(v).from && p.to === yearRange(v).to },
    { title: 'Speaker', name: 'speaker', buckets: facets.speaker, filter: (v) => ({ speaker: v }), current: (v) => p.speaker?.toLowerCase() === v.toLowerCase() },
  ];
  return (
    <nav class="facets" aria-label="Narrow by">
      <p class="small muted">
        {counts({ value: '', moments: facets.moments, recordings: facets.recordings })} in all
      </p>
      {lists
        .filter((l) => l.buckets.length > 0)
        .map((l) => (
          <details class={`facet facet-${l.name}`} open={l.name !== 'year' || undefined}>
            <summary>{l.title}</summary>
            <ul>
              {l.buckets.map((b) => (
                <li>
                  <a href={withFilter(p, l.filter(b.value))} aria-current={l.current(b.value) ? 'true' : undefined} title={counts(b)} data-value={b.value}>
                    <span class="value">{b.value}</span> <span class="count">{b.moments.toLocaleString('en')}</span>
                  </a>
                </li>
              ))}
            </ul>
          </details>
        ))}
    </nav>
  );
}
