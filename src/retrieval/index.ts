/**
 * retrieval: finding the moments that answer a query. Hybrid search (BM25 and vectors, fused, with the time
 * range and speaker a question names), highlights, where a result's link opens, and the text tools that
 * answers share with search (content-word stems, coverage, sentences). Offers search, its result types,
 * deep links, those text tools, and keyframes found by what they show (a visual embedder's frames).
 */
export { searchFrames, thumbnailUrl } from './frames.js';
export type { FrameHit } from './frames.js';
export { joinOverlapping } from './fusion.js';
export { highlightText } from './highlight.js';
export { asks, bestSentenceStart, cueAt, sentencesToLink } from './localise.js';
export { speakersByTime, withoutLabel } from './speakers.js';
export { subjectCoverage, withWordForms } from './question.js';
export { deepLink, fallbackNote, PAGING_CAP, plainCosines, queryVector, searchMoments, searchMomentsScored, warmUp } from './search.js';
export type { Leg, QueryLanguage, Routing, SearchOutcome, SearchParams, SearchResult } from './search.js';
export { clock, contentStems, coverage, type Sentence, splitSentences, subjectText, transcriptSentences, words } from './text.js';
export { browseQuestionDates, browseRecordings, canBrowse, questionDatesText } from './browse.js';
export type { BrowsedRecording, BrowseOutcome } from './browse.js';
