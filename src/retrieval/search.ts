import { createHash } from 'node:crypto';
import { type Analysis, analysisOf, detectLanguage, embeddingLanguages, type Language, LANGUAGE_NAMES, type MomentKind, type SearchFilters, type SearchMode, AppError, type Facets, type MatchCount, quotedPhrases, toMilliseconds, writeAbbreviatedYears, writeSpokenYears } from '../core/index.js';
import { cached, QEMB_NAMESPACE } from '../platform/index.js';
import type { Services } from '../archive/index.js';
import { parseTemporal } from './temporal.js';
import { mergeSpans, nearDuplicatesLast, openingFactor, reciprocalRankFusion, recordingOfMoment, scoreFusion, withDocumentEvidence, withNeighbourEvidence, withRecordingEvidence, type Opening, type Span } from './fusion.js';
import { detectSpeaker, labelsLike, longestFirst, speakerShare, speakersByTime, withoutLabel, type SpeakerMatch } from './speakers.js';
import { lexicalQuery, subjectCoverage, withWordForms } from './question.js';
import { highlight } from './highlight.js';
import { bestSentenceStart, linkOffset, phraseSentenceStart, REPLY_S, sentencesToLink } from './localise.js';
import { contentStems, subjectText } from './text.js';
import { PROXIMITY, proximityGains } from './proximity.js';

export interface SearchParams {
  q: string;
  /** Passages on the page: positions [offset, offset + limit) of the ranking, within PAGING_CAP. */
  limit: number;
  /** Passages of the ranking before the page (0: the first page). */
  offset?: number;
  /**
   * For a page after the first (offset > 0): the first page's size. The first page is cut from the ranking its
   * own size sets (what the quality figures measure); the pages after it from one ranking PAGING_CAP deep, less
   * every passage that shares a moment with the first page, so that no page repeats or skips a passage.
   */
  first?: number;
  /**
   * Whether a question routed by its dates falls back to the whole archive: decided on the first page (by
   * how little the range matched) and given for the pages after it, so every page is cut from one ranking.
   */
  fallback?: boolean;
  /** Count the moments the lexical leg matches (SearchOutcome.total). */
  total?: boolean;
  /** With total: count them by collection, year, decade and speaker too (SearchOutcome.facets). */
  facets?: boolean;
  mode: SearchMode;
  filters: SearchFilters;
  /** 'auto' reads a time range and a speaker from the question; 'off' matches the words as they are. */
  temporal?: 'auto' | 'off';
  speakers?: 'auto' | 'off';
  /** The question's language; unset: read from the question (src/core/language). */
  language?: Language;
}

/** The language the question was read in, and whether it was given or read from the question. */
export interface QueryLanguage {
  code: Language;
  source: 'param' | 'detected';
}

/** How the question was read: the date range applied and where it came from. */
export interface Routing {
  from: string | null;
  to: string | null;
  source: 'question' | 'params';
  matched?: string[];
  /** The range found too little, so the whole archive was searched with the dates kept as words. */
  fallback?: boolean;
}

export interface SearchResult {
  recording_id: string;
  recording_title: string;
  recorded_at: string | null;
  collection: string | null;
  /** The recording's language, as ingest was given it (null: the archive's default). */
  language: string | null;
  /** The passage shown: the merged hits of one recording. */
  start: number;
  end: number;
  /** Where the deep link opens: the start of the best-matching moment in the passage, a sentence or turn start. */
  at: number;
  speaker: string | null;
  speakers: string[];
  text: string;
  highlight: string;
  score: number;
  scores: { bm25: number | null; vector: number | null };
  url: string;
  moment_ids: string[];
  /** 'speech' (what was said) or 'screen' (text read off a video keyframe; `at` is the frame's time). */
  kind: MomentKind;
}

export interface SearchOutcome {
  mode: SearchMode;
  routing: Routing | null;
  /** The speaker filter read from the question, when one was applied. */
  speaker_filter: { label: string; matched: string } | null;
  /** The text the indexes were asked for (the question without its time expressions and quote marks). */
  matched_text: string;
  /** The quoted phrases every result says (src/core/phrases.ts), lower-cased; empty when the question quotes none. */
  phrases: string[];
  language: QueryLanguage;
  results: SearchResult[];
  /** True when a leg failed and the results come from the other one alone. */
  degraded: boolean;
  /** The legs that failed (empty unless degraded): 'bm25' is the lexical engine, 'vector' the vector index or embedder. */
  degraded_legs: Leg[];
  warnings: string[];
  /** The moments the lexical leg matches (exact up to COUNT_EXACT_UP_TO); null when not asked, for mode=vector, or when the lexical index could not count. */
  total: MatchCount | null;
  /** Facets of the moments counted in total (asked with facets; null as total is, and when not asked). */
  facets: Facets | null;
  /** The number of passages one can page through (at most PAGING_CAP), when the ranking was computed to its end; null when deeper pages may hold more. */
  passages: number | null;
  /** Whether passages follow this page (within PAGING_CAP). */
  more: boolean;
}

export type Leg = 'bm25' | 'vector';

/** Paging reaches this many passages of a ranking, no further: deeper pages would cost ever deeper candidate lists. */
export const PAGING_CAP = 1000;

// Hits of one recording this close are one passage to a listener, up to a passage of MAX_PASSAGE_S.
const MERGE_GAP_S = 2;
const MAX_PASSAGE_S = 90;
/**
 * A passage whose best moment starts this close to a better passage's goes after the others
 * (nearDuplicatesLast). Chosen on the dev set's tuning split (scripts/eval/localise-lab.ts, "best moments 60 s
 * apart first").
 */
const NEAR_DUPLICATE_S = 60;
// Under hybrid search, a moment that only the vector leg found must be at least this close to the question:
// the nearest neighbours of any question include talk that shares none of its subject. (The same floor as the
// relevance gate of answers, VECTOR_GATE in src/answer/retrieve.ts, calibrated for USE, on the cosine of the
// embedder's own question vector: see plainCosines.)
const VECTOR_ONLY_FLOOR = 0.35;

/**
 * The recording page at `at`, to the millisecond. Rounded down to a whole second, a link to a reply that begins
 * 0.6 s into a second opens on the end of the turn before it, and the page marks that turn as the line playing.
 */
export function deepLink(recordingId: string, at: number): string {
  return `/r/${encodeURIComponent(recordingId)}?t=${toMilliseconds(at)}`;
}

/**
 * One search before the first user's: a freshly opened database reads its catalogue and plans its statements on
 * its first search, which made that search several times slower than the next (`npm run bench:search` prints
 * both). A failure is logged, not thrown: the server serves without it.
 */
export async function warmUp(s: Services): Promise<void> {
  await searchMoments(s, { q: 'what was said', mode: s.embedder ? 'hybrid' : 'bm25', limit: 1, filters: {}, total: true }).catch((err: unknown) =>
    s.log.warn({ err }, 'search warm-up failed'),
  );
}

/** Hybrid retrieval: BM25 and vector legs, fused (score or rank fusion, FUSION), then merged into passages. */
export async function searchMoments(s: Services, params: SearchParams): Promise<SearchOutcome> {
  return (await searchMomentsScored(s, params)).outcome;
}

/** A search and the scores behind it, per moment: what an answer needs to cut passages to their best moments. */
export interface ScoredSearch {
  outcome: SearchOutcome;
  /** The fused score of every moment the search ranked. */
  fused: Map<string, number>;
  /** Query–moment cosine where known (vector hits, and lexical candidates under score fusion). */
  cosine: Map<string, number>;
}

export async function searchMomentsScored(s: Services, params: SearchParams): Promise<ScoredSearch> {
  const scored = await searchRouted(s, params);
  await recordingFound(s, params.filters, scored.outcome.results.length);
  const notes = await unknownFilterNotes(s, params.filters, scored.outcome.results.length);
  return notes.length ? { ...scored, outcome: { ...scored.outcome, warnings: [...scored.outcome.warnings, ...notes] } } : scored;
}

/**
 * A recording filter that names no recording is the caller's mistake (a mistyped id), not a search that found
 * nothing: a 404 that says so. Looked up only when nothing was found, so a search that finds something pays
 * nothing for it.
 */
export async function recordingFound(s: Services, filters: SearchFilters, found: number): Promise<void> {
  if (found === 0 && filters.recordingId && !(await s.archive.get(filters.recordingId))) {
    throw new AppError('not_found', `no recording "${filters.recordingId}"`);
  }
}

/**
 * A speaker or collection filter that names none of the archive's is most likely mistyped ("Designer" for
 * "Industrial Designer"): a search or browse that finds nothing under it says so, with what it may have meant,
 * instead of looking like talk the archive does not hold. Looked up only when nothing was found.
 */
export async function unknownFilterNotes(s: Services, filters: SearchFilters, found: number): Promise<string[]> {
  if (found > 0) return [];
  const notes: string[] = [];
  const quote = (xs: string[]) => xs.map((x) => `"${x}"`).join(' or ');
  if (filters.speaker) {
    const labels = await speakerLabels(s);
    const wanted = filters.speaker.trim().toLowerCase();
    if (!labels.some((l) => l.toLowerCase() === wanted)) {
      const like = labelsLike(filters.speaker, labels);
      notes.push(`no speaker is called "${filters.speaker}" in the archive${like.length ? `; did you mean ${quote(like)}?` : ''}`);
    }
  }
  if (filters.collection) {
    const names = (await s.archive.collections()).map((c) => c.name);
    if (!names.includes(filters.collection)) {
      const like = names.filter((n) => n.toLowerCase() === filters.collection!.toLowerCase());
      const listed = names.length <= 10 ? ` (its collections: ${names.join(', ')})` : '';
      notes.push(`no collection is called "${filters.collection}" in the archive${like.length ? `; did you mean ${quote(like)}?` : listed}`);
    }
  }
  return notes;
}

async function searchRouted(s: Services, params: SearchParams): Promise<ScoredSearch> {
  const { p, routing, speaker, language } = await understand(s, params);
  // "Why did the dockers strike in 1967?" asks about an event, which may be told of in a later recording:
  // when the question's dates find too little, the whole archive is searched with the year kept as words
  // (in digits, as the dates were read: "nineteen sixty-seven" is asked as 1967).
  // A year said by its last two digits ("in '67") is asked for whole too: the talk indexes it so (lexicalDocs).
  const asked = writeAbbreviatedYears(writeSpokenYears(quotedPhrases(params.q).text), new Date().getUTCFullYear(), 'replace');
  const wide = { ...p, q: asked, filters: { ...p.filters, from: params.filters.from, to: params.filters.to } };
  const widened = (all: Retrieved): ScoredSearch => ({
    outcome: { ...all.outcome, warnings: [...all.outcome.warnings, fallbackNote(routing!)], routing: { ...routing!, fallback: true }, speaker_filter: speaker, matched_text: wide.q, phrases: p.filters.phrases ?? [], language },
    fused: all.fused,
    cosine: all.cosine,
  });
  // The pages after the first keep its decision, so they continue its ranking whatever they hold themselves.
  if (routing?.source === 'question' && params.fallback === true) return widened(await page(s, wide, params.total));
  const routed = await page(s, p, params.total);
  const held = routing?.source === 'question' && params.fallback === undefined ? rankingCoverage(routed.top, p.q, language.code) : 1;
  if (held < THIN_COVERAGE) {
    const all = await page(s, wide, params.total);
    // Nothing from the dates is worse than thin passages from all of them, and so, for a ranking by words, is
    // nothing of the question's subject: a decade whose only match is a word that frames the question ("what
    // happened to …"). A ranking by meaning alone (mode=vector) may hold none of its words and be right.
    const offSubject = () => p.mode !== 'vector' && held === 0 && rankingCoverage(all.top, p.q, language.code) > 0;
    if (all.top.length > 0 && (routed.top.length === 0 || !thin(all.top, wide.q, language.code) || offSubject())) return widened(all);
  }
  return { outcome: { ...routed.outcome, routing, speaker_filter: speaker, matched_text: p.q, phrases: p.filters.phrases ?? [], language }, fused: routed.fused, cosine: routed.cosine };
}

const MAX_PHRASES = 10;

// A routed search is thin when its best passages hold less than this share of the question's subject words.
const THIN_COVERAGE = 0.5;

/** Whether the ranking's best passages (their texts, best first; the ranking's, not the page's) are thin. */
function thin(best: string[], q: string, language: Language): boolean {
  return rankingCoverage(best, q, language) < THIN_COVERAGE;
}

/**
 * The share of the question's subject words in the ranking's best three passages (0 when there are none). 1 when
 * it names no subject besides its dates ("what happened in the eighties?"), even with no passage: all dates,
 * searched for the dates as words, would find any talk that says "eighty".
 */
function rankingCoverage(best: string[], q: string, language: Language): number {
  return subjectCoverage(q, contentStems(best.slice(0, 3).join(' '), { language }), language);
}

const rangeText = (r: Pick<Routing, 'from' | 'to'>) => (r.from && r.to ? `${r.from} – ${r.to}` : r.from ? `${r.from} on` : `before ${r.to}`);

/** The warning that says a routed question found too little in its dates, so all dates were searched. */
export function fallbackNote(r: Pick<Routing, 'from' | 'to'>): string {
  return `little from ${rangeText(r)} matched, so all dates were searched with the dates kept as words`;
}

/**
 * The range of a question that names nothing but dates ("1987", "what happened in the eighties?"): it asks for
 * the recordings of that time, which browsing lists, more likely than for talk that says the year. Null when it
 * has a subject of its own (subjectText), when the caller gave dates or switched reading them off, and within
 * one recording, where it can only ask for the talk that says them.
 */
export function datesOnly(params: Pick<SearchParams, 'q' | 'temporal' | 'filters' | 'language'>, defaultLanguage: Language): Routing | null {
  if (params.temporal === 'off' || params.filters.from || params.filters.to || params.filters.recordingId) return null;
  const t = parseTemporal(params.q);
  if (!t.range || subjectText(t.text, params.language ?? detectLanguage(params.q, defaultLanguage))) return null;
  return { from: t.range.from, to: t.range.to, source: 'question', matched: t.matched };
}

/** Reads a date range and a speaker out of the question, unless the caller gave them or switched it off. */
export async function understand(s: Services, params: SearchParams) {
  const language: QueryLanguage = params.language
    ? { code: params.language, source: 'param' }
    : { code: detectLanguage(params.q, s.cfg.DEFAULT_LANGUAGE), source: 'detected' };
  // Every later step reads the question in that language.
  let p: SearchParams = { ...params, language: language.code };
  // Quoted phrases ("fair rent") are said by every moment found; their words rank as the question's others do.
  const quoted = quotedPhrases(params.q);
  // Each phrase costs the lexical index a lookup of its own: a question of hundreds of quoted words is no search.
  if (quoted.phrases.length > MAX_PHRASES) {
    throw new AppError('bad_request', `at most ${MAX_PHRASES} quoted phrases: this question quotes ${quoted.phrases.length}`);
  }
  if (quoted.phrases.length > 0) p = { ...p, q: quoted.text, filters: { ...p.filters, phrases: quoted.phrases } };
  let routing: Routing | null = null;
  if (params.temporal !== 'off') {
    const t = parseTemporal(p.q);
    if (t.range && !params.filters.from && !params.filters.to) {
      routing = { from: t.range.from, to: t.range.to, source: 'question', matched: t.matched };
      p = { ...p, filters: { ...p.filters, from: t.range.from ?? undefined, to: t.range.to ?? undefined } };
    }
    // A question that is nothing but a date ("1987") still needs words to match.
    if (t.range && t.text.replace(/[^\p{L}\p{N}]/gu, '')) p = { ...p, q: t.text };
  }
  if (!routing && (params.filters.from || params.filters.to)) {
    routing = { from: params.filters.from ?? null, to: params.filters.to ?? null, source: 'params' };
  }
  let speaker: SpeakerMatch | null = null;
  if (params.speakers !== 'off' && !params.filters.speaker) {
    speaker = detectSpeaker(p.q, await speakerLabels(s), language.code);
    if (speaker) p = { ...p, filters: { ...p.filters, speaker: speaker.label } };
  }
  return { p, routing, speaker, language };
}

const labelMemo = new WeakMap<Services, { at: number; generation: number; labels: Promise<string[]> }>();
function speakerLabels(s: Services): Promise<string[]> {
  const m = labelMemo.get(s);
  // A change this process made (an ingest, a speaker named) bumps the generation: the labels are read again.
  const generation = s.cache.stats().generation;
  if (m && m.generation === generation && Date.now() - m.at < 10_000) return m.labels;
  const labels = s.archive.speakerLabels();
  labelMemo.set(s, { at: Date.now(), generation, labels });
  // A failure (database down) must not be remembered: the next search asks again.
  labels.catch(() => {
    if (labelMemo.get(s)?.labels === labels) labelMemo.delete(s);
  });
  return labels;
}

interface Retrieved {
  outcome: Omit<SearchOutcome, 'routing' | 'speaker_filter' | 'matched_text' | 'phrases' | 'language'>;
  fused: Map<string, number>;
  cosine: Map<string, number>;
  /** The texts of the ranking's best three passages (whatever the page), for the temporal fallback's decision. */
  top: string[];
  /** The moments of each passage of this ranking's share of the sequence (see Cut.cap), in order. */
  share: string[][];
  /** Whether passages may follow that share: later in this ranking, or in a deeper one. */
  beyond: boolean;
}

/**
 * Where the rankings that the pages after the first continue end, as positions in the whole sequence: the
 * passages up to the first position come from one ranking, the rest (to PAGING_CAP) from a deeper one. Each is
 * ranked only when paging reaches it, so the second page does not pay for a ranking PAGING_CAP deep (0.3 s p50,
 * 1.3 s p95 at 1,000 hours, BENCHMARKS.md "Scale").
 */
const PAGING_TIERS = [100, PAGING_CAP];

/**
 * One page of a search: the first from its own ranking; a later one (offset ≥ first) continues it from the
 * rankings of PAGING_TIERS, each without the passages sharing a moment with those before it (the first page,
 * see SearchParams.first, and the shallower tiers). The tiers depend on positions alone, not on the page size,
 * so paging with any size shows the same sequence.
 */
async function page(s: Services, p: SearchParams, count = false): Promise<Retrieved> {
  const offset = Math.max(0, Math.floor(p.offset ?? 0));
  if (offset === 0) return firstPageKept(s, p, p.limit, () => retrieve(s, p, { want: p.limit, from: 0, base: 0, count }));
  const first = Math.max(1, Math.floor(p.first ?? p.limit));
  const shown = (await s.cache.get<string[][]>(FIRST_PAGE, firstPageKey(p, first)))
    ?? (await firstPageKept(s, p, first, () => retrieve(s, { ...p, offset: 0, limit: first }, { want: first, from: 0, base: 0, bare: true }))).outcome.results.map((r) => r.moment_ids);
  if (offset < shown.length) throw new AppError('bad_request', `a page after the first starts at or after the first page's ${shown.length} passages`);
  const seen = new Set(shown.flat());
  let base = shown.length;
  const results: SearchResult[] = [];
  let counted: Retrieved | undefined;
  for (const cap of PAGING_TIERS) {
    if (cap <= base) continue;
    // The page starts at offset; what earlier tiers held of it is in results already (it then starts at base).
    const tier = await retrieve(s, { ...p, limit: p.limit - results.length }, {
      want: cap, from: offset + results.length - base, base, cap, exclude: seen, count: count && !counted,
    });
    counted ??= tier;
    results.push(...tier.outcome.results);
    if (cap === PAGING_CAP || results.length >= p.limit || !tier.beyond) {
      return { ...tier, outcome: { ...tier.outcome, results, total: counted.outcome.total, facets: counted.outcome.facets } };
    }
    for (const ids of tier.share) for (const id of ids) seen.add(id);
    base += tier.share.length;
  }
  throw new Error('PAGING_TIERS ends at PAGING_CAP');
}

/**
 * A page after the first leaves out every moment the first page showed, and ranking the first page again for it
 * cost as much as the first page did. A reader pages on just after the first page, so a first page keeps its
 * passages' moments with the cached results (FIRST_PAGE, under the index generation), for the pages after it to
 * read. A ranking with a leg down is not kept: it is not what a later request would rank.
 */
const FIRST_PAGE = 'first-page';
const firstPageKey = (p: SearchParams, size: number) => JSON.stringify([p.q, p.mode, p.language ?? null, sortedFilters(p.filters), size]);
async function firstPageKept(s: Services, p: SearchParams, size: number, rank: () => Promise<Retrieved>): Promise<Retrieved> {
  const generation = s.cache.seenGeneration();
  const r = await rank();
  if (!r.outcome.degraded) await s.cache.set(FIRST_PAGE, firstPageKey(p, size), r.outcome.results.map((x) => x.moment_ids), s.cfg.CACHE_TTL_S, { ifGeneration: generation });
  return r;
}

/** Filters as [name, value] pairs in name order, the unset left out: one cache key whatever order they were set in. */
function sortedFilters(filters: SearchFilters): [string, unknown][] {
  return Object.entries(filters).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
}

interface Cut {
  /** The passages the candidate depths are sized for. */
  want: number;
  /** Where the page starts in the passages kept (after `exclude`). */
  from: number;
  /** Passages before the kept ones in the whole sequence (the first page's, for a later page). */
  base: number;
  /** Where this ranking's share of the sequence ends (a tier of PAGING_TIERS); PAGING_CAP unless given. */
  cap?: number;
  /** Moments already shown: a passage holding any of them is left out. */
  exclude?: Set<string>;
  count?: boolean;
  /** The passages only: no highlights, no link placement (a later page's view of the first). */
  bare?: boolean;
}

async function retrieve(s: Services, p: SearchParams, cut: Cut): Promise<Retrieved> {
  const count = cut.count ?? false;
  const warnings: string[] = [];
  let mode = p.mode;
  if (mode !== 'bm25' && !s.embedder) {
    if (mode === 'vector') throw new AppError('bad_request', 'vector search is off: this archive runs with EMBEDDINGS=none');
    mode = 'bm25';
    warnings.push('vector search is off (EMBEDDINGS=none); results are BM25 only');
  }
  const language = p.language ?? s.cfg.DEFAULT_LANGUAGE;
  // An English-only model places a question in another language nowhere near what answers it.
  if (mode === 'hybrid' && language !== 'en' && embeddingLanguages(s.cfg) === 'en') {
    mode = 'bm25';
    warnings.push(`the embedding model reads English only; a question in ${LANGUAGE_NAMES[language]} is answered by BM25 alone`);
  }
  const cap = cut.cap ?? PAGING_CAP;
  const limit = Math.max(0, Math.min(p.limit, cap - cut.base - cut.from));
  const want = Math.min(PAGING_CAP, Math.max(cut.want, cut.from + limit));
  const depth = Math.max(50, want * 5);
  // How many fused moments the passages are merged from (before the page is cut out of them).
  const pageDepth = Math.max(want * 3, 30);
  const qv = mode === 'bm25' ? null : queryVector(s, p.q);
  qv?.catch(() => {}); // its failure is the vector leg's, reported below
  const lexicalText = lexicalQuery(withoutLabel(p.q, p.filters.speaker, language), language);
  // The vector leg cannot read quoted phrases: the moments that say them are the lexical leg's to find, in every mode.
  const phrased = !!p.filters.phrases?.length;
  const lexical = mode === 'vector' && !phrased ? null : settle(s.lexical.search(lexicalText, p.filters, depth, language));
  // The total: what the lexical leg matches, counted by its index beside the search (a failure leaves it null).
  const total = count && mode !== 'vector' ? matched(s, 'total', lexicalText, p.filters, language, () => s.lexical.count(lexicalText, p.filters, language)).catch((err: unknown) => {
    s.log.warn({ err }, 'lexical count failed; the total is left out');
    return null;
  }) : Promise.resolve(null);
  // Its facets likewise: every matching moment, not the page (a failure leaves them null).
  const facets = count && p.facets && mode !== 'vector' ? matched(s, 'facets', lexicalText, p.filters, language, () => s.lexical.facets(lexicalText, p.filters, language)).catch((err: unknown) => {
    s.log.warn({ err }, 'lexical facets failed; they are left out');
    return null;
  }) : Promise.resolve(null);
  // Score fusion waits for BM25's candidates (see vectorLeg); rank fusion runs both legs at once.
  // So do quoted phrases: the vector leg scores the lexical leg's candidates only (vectorLeg).
  const ordered = (mode === 'hybrid' && s.cfg.FUSION === 'score') || (mode !== 'bm25' && phrased);
  const [bm25, vector] = await Promise.all([
    lexical,
    qv === null ? null : ordered ? lexical!.then((b) => settle(vectorLeg(s, qv, p.filters, depth, pageDepth, b))) : settle(vectorLeg(s, qv, p.filters, depth, pageDepth, null)),
  ]);
  // A leg that fails (engine down, query error) leaves the other one to answer, flagged as degraded. A bad
  // request is not an outage and is answered as such; with no leg left the search is a 503.
  // mode=vector with a quoted phrase ranks by meaning the moments the lexical leg found: without them, nothing.
  if (mode === 'vector' && bm25 && 'error' in bm25) {
    throw bm25.error instanceof AppError && bm25.error.status < 500 ? bm25.error : legsUnavailable([{ name: 'bm25', error: bm25.error }], s);
  }
  const legs = [['bm25', mode === 'vector' ? null : bm25], ['vector', vector]] as const;
  const failed = legs.flatMap(([name, leg]) => (leg && 'error' in leg ? [{ name, error: leg.error }] : []));
  for (const f of failed) if (f.error instanceof AppError && f.error.status < 500) throw f.error;
  if (failed.length > 0 && failed.length === legs.filter(([, leg]) => leg).length) throw legsUnavailable(failed, s);
  const degradedLegs: Leg[] = failed.map((f) => f.name);
  for (const f of failed) {
    s.log.warn({ err: f.error, leg: f.name }, `${f.name} leg failed; answering from the other leg`);
    warnings.push(`${legName(f.name, s)} is unavailable; results come from the ${f.name === 'bm25' ? 'vector' : 'bm25'} leg only`);
  }
  const degraded = degradedLegs.length > 0;
  const bm25Hits = mode !== 'vector' && bm25 && 'value' in bm25 ? bm25.value : [];
  const vectorHits = vector && 'value' in vector ? vector.value : [];
  const bm25Score = new Map(bm25Hits.map((h) => [h.momentId, h.score]));
  const vecScore = new Map(vectorHits.map((h) => [h.momentId, h.score]));
  const fused = withEvidence(await fuse(s, bm25Hits, vectorHits, qv, vecScore, p.filters));
  // Archive-wide, which recording: BM25 over the candidates' recordings as whole documents (the lexical leg's;
  // within one recording it says nothing).
  if (mode !== 'vector' && !p.filters.recordingId && bm25Hits.length > 0) {
    const recordings = [...new Set([...fused.keys()].map(recordingOfMoment))];
    const documents = recordings.length > 1
      ? await s.lexical.recordingScores(lexicalText, recordings, language).catch((err: unknown) => {
        s.log.warn({ err }, 'scoring whole recordings failed; ranked without it');
        return new Map<string, number>();
      })
      : new Map<string, number>();
    for (const [id, x] of withDocumentEvidence(fused, documents, DOCUMENT_WEIGHT)) fused.set(id, x);
  }
  // Also when BM25 matched nothing, across recordings: the archive's nearest moments to a question none of
  // whose words are said are no nearer for it. Within one recording its nearest are still the best it has (on
  // the dev set they land on the answer where no word of it is said). Not when BM25 failed: then the vector
  // leg answers alone, flagged as degraded.
  const lexicalAnswered = bm25 !== null && 'value' in bm25;
  if (mode === 'hybrid' && vectorHits.length > 0 && (bm25Hits.length > 0 || (lexicalAnswered && !p.filters.recordingId))) {
    const only = [...vecScore.keys()].filter((id) => !bm25Score.has(id));
    const plain = only.length ? await plainCosines(s, p.q, only, p.filters, vecScore) : vecScore;
    for (const id of only) if ((plain.get(id) ?? -1) < VECTOR_ONLY_FLOOR) fused.delete(id);
  }
  let ranked = [...fused.entries()].sort((a, b) => b[1] - a[1]).slice(0, pageDepth);
  // Every candidate is in: the passages merged from them are all the ranking holds.
  const complete = fused.size <= pageDepth;
  const moments = await s.archive.momentsByIds(ranked.map(([id]) => id));
  // An English-only model's cosine says nothing of talk in another language (it places any two Spanish
  // sentences close together): a moment in one that only the vector leg found is no hit.
  if (mode !== 'bm25' && embeddingLanguages(s.cfg) === 'en') {
    ranked = ranked.filter(([id]) => {
      const m = moments.get(id);
      const unread = m !== undefined && !bm25Score.has(id) && analysisOf(m.language, s.cfg.DEFAULT_LANGUAGE) !== 'en';
      if (unread) fused.delete(id);
      return !unread;
    });
  }
  // The question's words as each moment's language stems them.
  // With the word forms the stemmer does not join ("rise": "rose"; "color": "colour"), as the lexical leg was asked.
  const asked = memo((a: Analysis) => contentStems(withWordForms(withoutLabel(p.q, p.filters.speaker, language), a), { question: true, language: a }));
  if (mode !== 'vector') ranked = withProximity(ranked, moments, asked, fused, s.cfg.DEFAULT_LANGUAGE);
  if (p.filters.speaker) ranked = await heardFrom(s, ranked, moments, p.filters.speaker, fused);
  ranked = openingsWeighedDown(ranked, moments, fused);

  type Hit = Span & {
    at: number; atEnd: number; ids: string[]; speakerTime: Map<string, number>; speakers?: string[]; bm25: number | null; vector: number | null;
    title: string; recordedAt: string | null; collection: string | null; kind: MomentKind; language: string | null; analysis: Analysis;
  };
  const hits: Hit[] = [];
  for (const [id, score] of ranked) {
    const m = moments.get(id);
    if (!m) continue; // indexed but since deleted
    const analysis = analysisOf(m.language, s.cfg.DEFAULT_LANGUAGE);
    // A moment of nothing but fillers ("Um .") answers nothing, however close its vector happens to fall.
    if (contentStems(m.text, { language: analysis }).size === 0) continue;
    hits.push({
      recordingId: m.recordingId, start: m.start, end: m.end, at: m.start, atEnd: m.end, score, text: m.text, ids: [id],
      speakerTime: new Map(m.speakers.map((sp) => [sp, m.end - m.start])),
      bm25: bm25Score.get(id) ?? null, vector: vecScore.get(id) ?? null,
      title: m.recordingTitle, recordedAt: m.recordedAt, collection: m.collection, kind: m.kind ?? 'speech', language: m.language, analysis,
    });
  }
  // Text on screen is a hit of its own, at its frame: merged into the talk around it, it would be lost in it.
  const screenHits = hits.filter((h) => h.kind === 'screen');
  const speechHits = mergeSpans(hits.filter((h) => h.kind !== 'screen'), MERGE_GAP_S, (into, from) => {
    // The link stays on the best moment: merging neighbours widens what is shown, not where it opens.
    if (from.score > into.score) [into.at, into.atEnd] = [from.at, from.atEnd];
    into.ids = [...into.ids, ...from.ids];
    for (const [sp, t] of from.speakerTime) into.speakerTime.set(sp, (into.speakerTime.get(sp) ?? 0) + t);
    into.bm25 = maxOrNull(into.bm25, from.bm25);
    into.vector = maxOrNull(into.vector, from.vector);
  }, MAX_PASSAGE_S);
  const mergedAll = nearDuplicatesLast(screenHits.length ? [...speechHits, ...screenHits].sort((a, b) => b.score - a.score) : speechHits, NEAR_DUPLICATE_S);
  const passages = cut.exclude ? mergedAll.filter((h) => !h.ids.some((id) => cut.exclude!.has(id))) : mergedAll;
  // Highlights, where links open and the segments they read are for the page's passages only.
  const merged = passages.slice(cut.from, cut.from + limit);
  const end = cut.from + merged.length;
  // The next page starts at base + end; a page that is the end of a ranking cut short by its depth (a first
  // page) is followed by the rest, from the deep ranking.
  const more = cut.base + end < PAGING_CAP && merged.length > 0 && (passages.length > end || !complete);
  // Highlights mark the words the lexical leg was asked for (not the question's framing, nor a light verb), as
  // Postgres' configuration for each passage's language finds them.
  const analyses = cut.bare ? [] : [...new Set(merged.map((h) => h.analysis))];
  const [lexemeSets, cues] = await Promise.all([
    Promise.all(analyses.map((a) => s.archive.lexemes(lexicalText, a).then((l) => new Set(l)))),
    // The whole passage, for who talks in it, and past the best moment's end: a question asked at its end is
    // answered just after it (see bestSentenceStart).
    cut.bare
      ? merged.map(() => [])
      : s.archive.segmentsInRanges(merged.map((h) => ({ recordingId: h.recordingId, start: Math.min(h.start, h.at), end: Math.max(h.end, h.atEnd + REPLY_S) }))),
  ]);
  const lexemes = new Map(analyses.map((a, i) => [a, lexemeSets[i]]));
  if (!cut.bare) {
    merged.forEach((h, i) => {
      if (h.kind === 'screen') return; // it opens on its frame
      const phrases = p.filters.phrases ?? [];
      h.at = (phrases.length ? phraseSentenceStart(cues[i], h.at, h.atEnd, phrases) : undefined)
        ?? bestSentenceStart(cues[i], h.at, h.atEnd, asked(h.analysis), { language: h.analysis });
      // A reply opened on past the passage is shown with it: the passage holds what its link plays.
      const reply = sentencesToLink(cues[i], h.end, h.at);
      if (reply) [h.text, h.end] = [`${h.text} ${reply.text}`, reply.end];
      // Who talks in the passage, by the time they talk: the moments' speaker lists only say who talks at all.
      const byTime = speakersByTime(cues[i], h.start, h.end);
      if (byTime.length) h.speakers = byTime;
    });
  }
  // The excerpt shows the sentence the link opens on, whatever else it shows.
  const marked = merged.map((h, i) => (cut.bare ? '' : highlight(h.text, lexemes.get(h.analysis)!, h.analysis, h.kind === 'screen' ? undefined : linkOffset(h.text, cues[i], h, h.at))));
  const outcome = {
    mode,
    total: await total,
    facets: await facets,
    passages: complete ? Math.min(cut.base + passages.length, PAGING_CAP) : null,
    more,
    degraded,
    degraded_legs: degradedLegs,
    warnings,
    results: merged.map((h, i) => {
      const speakers = h.speakers ?? longestFirst(h.speakerTime);
      return {
        recording_id: h.recordingId,
        recording_title: h.title,
        recorded_at: h.recordedAt,
        collection: h.collection,
        language: h.language,
        start: toMilliseconds(h.start),
        end: toMilliseconds(h.end),
        at: toMilliseconds(h.at),
        speaker: speakers[0] ?? null,
        speakers,
        text: h.text,
        highlight: marked[i],
        score: round(h.score, 6),
        scores: { bm25: h.bm25 === null ? null : round(h.bm25, 4), vector: h.vector === null ? null : round(h.vector, 4) },
        url: deepLink(h.recordingId, h.at),
        moment_ids: h.ids,
        kind: h.kind,
      };
    }),
  };
  // This ranking's share of the sequence (to its cap), and whether any passage may follow it.
  const share = passages.slice(0, Math.max(0, cap - cut.base));
  const beyond = passages.length > share.length || !complete;
  return { outcome, fused, cosine: vecScore, top: passages.slice(0, 3).map((h) => h.text), share: share.map((h) => h.ids), beyond };
}

/**
 * What the lexical leg matches (the total, the facets) follows from the question's words, the filters and the
 * language alone, not from the page, the mode or the page size: it is counted once and kept with the cached
 * results, under the index generation (an ingest counts again). The pages after the first, another mode or
 * page size, and the web page, which asks for the facets on every page, read it instead of counting again: a
 * count reads up to 20,000 postings, the facets every posting of the question's words (BENCHMARKS.md "Facets").
 */
function matched<T>(s: Services, kind: 'total' | 'facets', text: string, filters: SearchFilters, language: string, run: () => Promise<T>): Promise<T> {
  const key = [kind, text, language, sortedFilters(filters)];
  return cached(s.cache, 'matched', key, s.cfg.CACHE_TTL_S, run).then((r) => r.value);
}

/**
 * The vector leg's hits. Under score fusion a vector-only candidate scores at most FUSION_VECTOR_WEIGHT × its
 * z-scored cosine, below nearly every lexical candidate; its nearest neighbours matter only when BM25 finds
 * too few moments to fill the page's `pageDepth`. When BM25 found that many, the leg is the cosine of each of
 * those candidates (an index lookup by id) instead of an ANN search: over every partition, the slowest part
 * of a hybrid search at scale; with a date filter (a routed question), an HNSW scan that must walk past the
 * rest of the decade. Measured against the full ANN leg in BENCHMARKS.md ("Fusion", "Scale").
 */
async function vectorLeg(
  s: Services,
  qv: Promise<Float32Array>,
  filters: SearchFilters,
  depth: number,
  pageDepth: number,
  bm25: { value: { momentId: string }[] } | { error: unknown } | null,
): Promise<{ momentId: string; score: number }[]> {
  const v = await qv;
  if (filters.phrases?.length) {
    // A moment the lexical leg did not find does not say the phrases.
    if (!bm25 || !('value' in bm25) || bm25.value.length === 0) return [];
    const cos = await s.vectors!.similarities(v, bm25.value.map((h) => h.momentId), filters);
    return [...cos].map(([momentId, score]) => ({ momentId, score })).sort((a, b) => b.score - a.score);
  }
  if (s.cfg.FUSION === 'score' && bm25 && 'value' in bm25 && bm25.value.length >= pageDepth) {
    const cos = await s.vectors!.similarities(v, bm25.value.map((h) => h.momentId), filters);
    return [...cos].map(([momentId, score]) => ({ momentId, score })).sort((a, b) => b.score - a.score);
  }
  return s.vectors!.search(v, filters, depth);
}

/**
 * One ranking from the legs' hits. With one leg (a mode, or a failed leg) that leg's order; with both, the
 * configured fusion. Score fusion needs the cosine of every lexical candidate, so those the vector leg did
 * not return are looked up by id (added to `cosine`, which the response reports as the vector score).
 */
async function fuse(
  s: Services,
  bm25Hits: { momentId: string; score: number }[],
  vectorHits: { momentId: string; score: number }[],
  qv: Promise<Float32Array> | null,
  cosine: Map<string, number>,
  filters: SearchFilters,
): Promise<Map<string, number>> {
  // One leg: its own scores over its best, which keep how far apart its candidates are (rank fusion would not).
  if (bm25Hits.length === 0 || vectorHits.length === 0 || qv === null) {
    const leg = bm25Hits.length > 0 ? bm25Hits : vectorHits;
    const best = Math.max(1e-9, ...leg.map((h) => h.score));
    return new Map(leg.map((h) => [h.momentId, h.score / best]));
  }
  if (s.cfg.FUSION === 'rrf') {
    const legs = [
      { ids: bm25Hits.map((h) => h.momentId), weight: 1 },
      { ids: vectorHits.map((h) => h.momentId), weight: s.cfg.RRF_VECTOR_WEIGHT },
    ].filter((l) => l.ids.length > 0);
    return reciprocalRankFusion(legs, s.cfg.RRF_K);
  }
  const missing = bm25Hits.map((h) => h.momentId).filter((id) => !cosine.has(id));
  try {
    for (const [id, c] of await s.vectors!.similarities(await qv, missing, filters)) cosine.set(id, c);
  } catch (err) {
    // Without those cosines the lexical candidates would be judged on partial evidence: use the vector hits only.
    s.log.warn({ err }, 'cosine lookup for lexical candidates failed');
  }
  return scoreFusion(bm25Hits.map((h) => ({ id: h.momentId, score: h.score })), cosine, s.cfg.FUSION_VECTOR_WEIGHT);
}

// Passage and recording evidence (src/retrieval/fusion.ts), chosen on the dev set's tuning split by link relevance.
const NEIGHBOUR_REACH = 12;
const NEIGHBOUR_WEIGHT = 0.1;
const RECORDING_WEIGHT = 0.25;
const RECORDING_TOP = 10;

/** Document evidence's weight (withDocumentEvidence): tuning questions, moment-lab --document. */
const DOCUMENT_WEIGHT = 0.5;
function withEvidence(fused: Map<string, number>): Map<string, number> {
  return withRecordingEvidence(withNeighbourEvidence(fused, NEIGHBOUR_REACH, NEIGHBOUR_WEIGHT), RECORDING_WEIGHT, RECORDING_TOP);
}

/**
 * Under a speaker filter a moment qualifies when the speaker says anything in it: "Sounds good." in a moment of
 * someone else's talk is enough. Asked what a speaker said, the listener wants the speaker talking: a moment
 * they hold less than SPEAKER_SHARE_MIN of (by time) scores SPEAKER_MINOR_WEIGHT of its score (in `fused` too,
 * which answers read). Chosen on the dev set's tuning split (scripts/eval/localise-lab.ts).
 */
const SPEAKER_SHARE_MIN = 0.25;
const SPEAKER_MINOR_WEIGHT = 0.8;
async function heardFrom(
  s: Services,
  ranked: [string, number][],
  moments: Map<string, { recordingId: string; start: number; end: number }>,
  speaker: string,
  fused: Map<string, number>,
): Promise<[string, number][]> {
  const known = ranked.filter(([id]) => moments.has(id));
  const cues = await s.archive.segmentsInRanges(known.map(([id]) => moments.get(id)!));
  known.forEach(([id, score], i) => {
    const m = moments.get(id)!;
    const share = speakerShare(cues[i], m.start, m.end, speaker);
    if (share !== null && share < SPEAKER_SHARE_MIN) fused.set(id, score * SPEAKER_MINOR_WEIGHT);
  });
  return rescored(ranked, fused);
}

/**
 * A recording's opening (its first tenth, at most 5 minutes, in recordings of 5 minutes or more) weighs its
 * moments down (openingFactor), by up to 0.4 of their score at the very start: chosen on the dev set's tuning
 * split (`npm run eval -- ../shared/eval/dev`, BENCHMARKS.md "A recording's opening"). Written to `fused` too, as
 * answers read it.
 */
const OPENING: Opening = { share: 0.1, maxS: 300, minRecordingS: 300, weight: 0.4 };
function openingsWeighedDown(
  ranked: [string, number][],
  moments: Map<string, { start: number; recordingDuration: number | null }>,
  fused: Map<string, number>,
): [string, number][] {
  for (const [id, score] of ranked) {
    const m = moments.get(id);
    const factor = m ? openingFactor(m.start, m.recordingDuration, OPENING) : 1;
    // Lower whatever the sign (a vector-only candidate's z-scored cosine may be below 0).
    if (factor !== 1) fused.set(id, score - Math.abs(score) * (1 - factor));
  }
  return rescored(ranked, fused);
}

/**
 * Proximity evidence (proximityGains, with PROXIMITY) for the moments passages are merged from, written to `fused`
 * too (the speaker weight reads it next).
 */
function withProximity(
  ranked: [string, number][],
  moments: Map<string, { text: string; language: string | null }>,
  asked: (a: Analysis) => Set<string>,
  fused: Map<string, number>,
  defaultLanguage: Language,
): [string, number][] {
  const candidates = ranked.flatMap(([id]) => {
    const m = moments.get(id);
    if (!m) return [];
    const language = analysisOf(m.language, defaultLanguage);
    return [{ id, text: m.text, question: asked(language), language }];
  });
  const gains = proximityGains(candidates, PROXIMITY);
  if (gains.size === 0) return ranked;
  for (const [id, gain] of gains) fused.set(id, fused.get(id)! + gain);
  return rescored(ranked, fused);
}

/** `ranked`'s moments in the order of their scores in `fused`, which a weight or evidence has just changed. */
function rescored(ranked: [string, number][], fused: Map<string, number>): [string, number][] {
  return ranked.map(([id]) => [id, fused.get(id)!] as [string, number]).sort((a, b) => b[1] - a[1]);
}

/**
 * The query's embedding, moved by the query adapter if there is one (`plain`: the embedder's own); cached by
 * model, adapter and text (it does not change when the archive does).
 */
export async function queryVector(s: Services, q: string, opts: { plain?: boolean } = {}): Promise<Float32Array> {
  const adapter = opts.plain ? null : s.queryAdapter;
  const key = createHash('sha1').update(`${s.embedder!.model}\n${adapter?.id ?? 'none'}\n${q}`).digest('hex');
  const hit = await s.cache.getBinary(QEMB_NAMESPACE, key);
  if (hit) return hit;
  // A moved vector starts from the plain one, kept too: the thresholds read it for the same question (plainCosines).
  const v = adapter ? adapter.apply(await queryVector(s, q, { plain: true })) : (await s.embedder!.embed([q]))[0];
  await s.cache.setBinary(QEMB_NAMESPACE, key, v, 24 * 3600);
  return v;
}

/**
 * The cosines of the embedder's own question vector to these moments, for thresholds that say how close is
 * close (VECTOR_ONLY_FLOOR, the answers' VECTOR_GATE): they were calibrated on it. A question moved by the query
 * adapter lies nearer its answers than the rest but farther from every moment (its best cosine on the dev set's
 * held-out questions 0.27 on average, against 0.60), so its own cosines would pass almost nothing. Without an
 * adapter these are the search's cosines (`known`).
 */
export async function plainCosines(s: Services, q: string, ids: string[], filters: SearchFilters, known: Map<string, number>): Promise<Map<string, number>> {
  if (!s.queryAdapter) return known;
  return s.vectors!.similarities(await queryVector(s, q, { plain: true }), ids, filters);
}

function memo<K, V>(f: (k: K) => V): (k: K) => V {
  const m = new Map<K, V>();
  return (k) => {
    if (!m.has(k)) m.set(k, f(k));
    return m.get(k)!;
  };
}

const legName = (leg: Leg, s: Services) => (leg === 'bm25' ? `the lexical index (${s.lexical.engine})` : 'the vector index');

/** The 503 for a search no leg could answer: names the legs, and keeps an AppError's own (client-safe) message. */
function legsUnavailable(failed: Array<{ name: Leg; error: unknown }>, s: Services): AppError {
  for (const f of failed) if (!(f.error instanceof AppError)) s.log.error({ err: f.error, leg: f.name }, `${f.name} leg failed`);
  const reasons = failed.map((f) => `${legName(f.name, s)} is unavailable${f.error instanceof AppError ? ` (${f.error.message})` : ''}`);
  return new AppError('engine_unavailable', `search is unavailable: ${reasons.join('; ')}`, { legs: failed.map((f) => f.name) });
}

async function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

const maxOrNull = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
