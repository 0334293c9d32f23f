/**
 * core: what every other capability builds on, with no infrastructure of its own. The configuration (the only
 * reader of `process.env`), the domain types (recordings, cues, words, moments, search filters), typed errors,
 * the logger, the query/background lanes, shutdown on a signal, text helpers (sentences, stems, cosine,
 * URL redaction), input validators, and the ports the indexes implement: the lexical index, the vector
 * index and the embedder.
 */
export { embeddingLanguages, engineSettings, loadConfig } from './config.js';
export type { Config } from './config.js';
export { MOMENT_KINDS } from './domain.js';
export type { Cue, Moment, MomentKind, Recording, RecordingMeta, RecordingStatus, SearchFilters, SearchMode, Word } from './domain.js';
export type { Embedder, QueryAdapter } from './embedder.js';
export { AppError, errorMessage, TranscriptError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { asQueryWork, currentLane, inBackground, queryWorkRunning } from './lane.js';
export type { Lane } from './lane.js';
export { analysisOf, detectLanguage, detectTranscriptLanguage, LANGUAGE_NAMES, LANGUAGES, languageOf, languageTagOf, SPEECH_FILLERS, STOP_WORDS, TEXT_SEARCH_CONFIGS, withoutStopWords } from './language/index.js';
export type { Analysis, Language } from './language/index.js';
export { COUNT_EXACT_UP_TO, decadeBuckets, DEFAULT_POSTINGS_BUDGET, FACET_SIZE, topBuckets } from './lexical-index.js';
export type { CompactReport, FacetBucket, Facets, LexicalDoc, LexicalHit, LexicalIndex, MatchCount } from './lexical-index.js';
export { createLogger } from './log.js';
export type { Logger } from './log.js';
export { cosine, meanAndSd, rng, toMilliseconds } from './math.js';
export { escapeRegExp, quotedPhrases, saysPhrase, type QuotedQuery } from './phrases.js';
export { redactUrls, safeUrl, splitCredentials, urlHost } from './redact.js';
export { cueSentences, splitSentences } from './sentences.js';
export type { TimedSentence } from './sentences.js';
export { onShutdown } from './shutdown.js';
export { ABBREVIATED_YEAR_AFTER, ABBREVIATED_YEAR_BEFORE, countFollows, spokenYearsIn, writeAbbreviatedYears, writeSpokenYears, yearByLastTwoDigits } from './spoken-years.js';
export type { SpokenYear } from './spoken-years.js';
export { stem } from './stem.js';
export { datesInOrder, isoDate, languageTag, noNul, problemsOf, rangeEnd, rangeStart, RECORDING_ID } from './validation.js';
export type { EmbeddingModelInfo, FrameVectorHit, FrameVectorIndex, FrameVectorItem, VectorHit, VectorIndex, VectorItem, VectorRebuild } from './vector-index.js';
export type { VisualEmbedder } from './visual-embedder.js';
