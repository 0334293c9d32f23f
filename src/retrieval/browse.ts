import type { Facets, SearchFilters } from '../core/index.js';
import type { Services } from '../archive/index.js';
import { datesOnly, PAGING_CAP, recordingFound, unknownFilterNotes, type Routing, type SearchParams } from './search.js';

/** A recording listed by browsing: what a result list shows of it, and where it opens. */
export interface BrowsedRecording {
  recording_id: string;
  recording_title: string;
  recorded_at: string | null;
  collection: string | null;
  language: string | null;
  duration_s: number | null;
  /** Its moments (all of them: a filter selects recordings, not parts of them). */
  moments: number;
  /** Its speakers, most talk first. */
  speakers: string[];
  url: string;
}

export interface BrowseOutcome {
  recordings: BrowsedRecording[];
  /** Recordings passing the filters (exact). */
  total: number;
  /** Whether recordings follow this page (within PAGING_CAP). */
  more: boolean;
  facets: Facets | null;
  warnings: string[];
}

/** The filters browsing needs at least one of: without any, the list would be the whole archive. */
export const BROWSE_FILTERS = ['collection', 'speaker', 'from', 'to', 'recordingId'] as const satisfies readonly (keyof SearchFilters)[];

export const canBrowse = (filters: SearchFilters) => BROWSE_FILTERS.some((k) => !!filters[k]);

/**
 * The archive by filters alone (no words): its recordings newest (or oldest) first, a page at a time, and, when asked, the
 * facets of every moment under the filters, from the lexical index beside the listing.
 */
export async function browseRecordings(
  s: Services,
  p: { filters: SearchFilters; limit: number; offset: number; facets?: boolean; order?: 'newest' | 'oldest' },
): Promise<BrowseOutcome> {
  const warnings: string[] = [];
  const limit = Math.max(0, Math.min(p.limit, PAGING_CAP - p.offset));
  const facets = p.facets
    ? s.lexical.facets(null, p.filters).catch((err: unknown) => {
        s.log.warn({ err }, 'lexical facets failed; they are left out');
        warnings.push(`the lexical index (${s.lexical.engine}) could not count facets`);
        return null;
      })
    : Promise.resolve(null);
  const [page, counted] = await Promise.all([s.archive.browse(p.filters, { limit, offset: p.offset, order: p.order }), facets]);
  await recordingFound(s, p.filters, page.total);
  warnings.push(...(await unknownFilterNotes(s, p.filters, page.total)));
  return {
    recordings: page.items.map((r) => ({
      recording_id: r.id,
      recording_title: r.title,
      recorded_at: r.recordedAt,
      collection: r.collection,
      language: r.language,
      duration_s: r.durationS,
      moments: r.momentCount ?? 0,
      speakers: r.speakers ?? [],
      url: `/r/${encodeURIComponent(r.id)}`,
    })),
    total: page.total,
    more: page.items.length > 0 && p.offset + page.items.length < Math.min(page.total, PAGING_CAP),
    facets: counted,
    warnings,
  };
}

/**
 * A question of nothing but dates ("1987", "what happened in the eighties?") browsed: the recordings of the range
 * it names, with that range as its routing. Null when the question has a subject besides its dates (datesOnly), or
 * when no recording is of that time: its words are then searched as any others ("1967" finds the 1974 interview
 * that tells of it).
 */
export async function browseQuestionDates(
  s: Services,
  params: Pick<SearchParams, 'q' | 'temporal' | 'filters' | 'language'>,
  p: { limit: number; offset: number; facets?: boolean; order?: 'newest' | 'oldest' },
): Promise<(BrowseOutcome & { routing: Routing }) | null> {
  const routing = datesOnly(params, s.cfg.DEFAULT_LANGUAGE);
  if (!routing) return null;
  const b = await browseRecordings(s, { ...p, filters: { ...params.filters, from: routing.from ?? undefined, to: routing.to ?? undefined } });
  return b.total > 0 ? { ...b, routing } : null;
}

/** What a list browsed by the dates a question named holds: "dated 1980-01-01 – 1989-12-31 (the dates in the question)". */
export function questionDatesText(r: Pick<Routing, 'from' | 'to'>): string {
  const range = r.from && r.to ? `${r.from} – ${r.to}` : r.from ? `${r.from} on` : `up to ${r.to ?? '…'}`;
  return `dated ${range} (the dates in the question)`;
}
