import { type Analysis, type Cue, cueSentences } from '../core/index.js';
import type { Excerpt } from './retrieve.js';
import { asks, contentStems, cueAt, deepLink, transcriptSentences, withoutLabel, withWordForms, words } from '../retrieval/index.js';

// Quotes come from the best excerpts only: lower ones are there to give a model context, not to be quoted.
const FROM_EXCERPTS = 3;
const MAX_QUOTES = 3;
const MAX_PER_EXCERPT = 2;
// Backchannels ("Yeah, okay.") match nothing worth quoting; very long run-ons read badly as quotes.
const MIN_WORDS = 5;
const MAX_WORDS = 60;
const WEAKEST_QUOTE = 0.5;
// A quote of what the link plays runs on through its turn until it says something: "We are." alone does not.
const LEAD_WORDS = 12;

// A question that asks for a cause, in each language the path knows ("how come", "¿por qué…?", "weshalb").
const WHY: Record<Analysis, RegExp> = {
  en: /\b(?:why|how come|for what reasons?|what (?:was|were|is|are) the (?:main )?reasons? (?:for|behind|why|that))\b/iu,
  es: /(?:^|[^\p{L}])(?:por ?qu[eé]|qu[eé] (?:raz[oó]n|motivo)|cu[aá]l(?:es)? (?:fue|fueron|es|son) (?:la|las|el|los) (?:raz[oó]n|razones|motivos?))(?![\p{L}])/iu,
  de: /(?:^|[^\p{L}])(?:warum|weshalb|wieso|weswegen|aus welchem grund)(?![\p{L}])/iu,
  other: /(?!)/u,
};

/** Whether the question asks why something is or was so. */
export const asksWhy = (question: string, language: Analysis = 'en'): boolean => WHY[language].test(question);

// Words that give a cause or a purpose ("because", "so that", "porque", "weil"). Not a bare "so" or "da": in
// talk they mostly start a sentence or point at a place, and say no cause.
const CAUSE: Record<Analysis, RegExp> = {
  en: /\b(?:because|cause|cos|reasons?|due to|that's why|which is why|therefore|as a result|otherwise|so that|in order to|since(?! \d))\b/iu,
  es: /(?:^|[^\p{L}])(?:porque|ya que|puesto que|debido a|por eso|por lo tanto|as[ií] que|raz[oó]n|razones|motivos?|para que)(?![\p{L}])/iu,
  de: /(?:^|[^\p{L}])(?:weil|denn|deshalb|darum|daher|deswegen|wegen|grund|gründe|nämlich|damit|sonst)(?![\p{L}])/iu,
  other: /(?!)/u,
};
/** How many sentences after one that matches a question that asks why its cause may be said. */
const CAUSE_REACH = 3;

/** A quote of excerpt [n]. */
interface Quote {
  n: number;
  text: string;
  /** Who said it, where the transcript says. */
  speaker: string | null;
  /** Where it is said, when known (what a link plays). */
  at?: number;
}

interface Candidate extends Quote {
  score: number;
  hits: number;
}

/** An answer without a model, each quote cited as an excerpt of its own that opens where the quote is said. */
export interface QuotedAnswer {
  answer: string;
  /** Numbered [1], [2], … in the answer's order: the excerpts quoted, each with `at`, `url` and `speaker` of its quote. */
  excerpts: Excerpt[];
}

/**
 * The answer without a model: what the best excerpt's link plays (linkedQuote), then the transcript sentences
 * of the top excerpts that share the most content words with the question (questions asked in the recording
 * only when nothing else does), 2–3 quotes in all, best first, quoted verbatim and, where the transcript says,
 * with who said them. `cues` holds the recordings' speaker turns. The question is read as the search reads it:
 * the forms of its words a stemmer does not join ("rise": "rose") asked for too, and the name of the `speaker`
 * it asks about left out; that speaker's sentences are quoted when any of them matches.
 *
 * Each quote is cited as its excerpt opened at the quoted sentence (two quotes of one sentence share one
 * citation), numbered in the answer's order: an excerpt's own link opens on its best sentence, and a quote of
 * another of its sentences ("El orden del día tiene dos puntos…", 40 s before it) cited by that link would play
 * other talk than the words shown.
 */
export function quotedAnswer(question: string, excerpts: Excerpt[], cues: Map<string, Cue[]>, language: Analysis = 'en', speaker: string | null = null): QuotedAnswer | null {
  const quotes = pickQuotes(question, excerpts, cues, language, speaker);
  if (quotes.length === 0) return null;
  const byN = new Map(excerpts.map((e) => [e.n, e]));
  const cited: Excerpt[] = [];
  const lines = quotes.map((x) => {
    const e = byN.get(x.n)!;
    const at = x.at ?? quoteStart(x.text, e, cues.get(e.recording_id) ?? [], language) ?? e.at;
    let c = cited.find((y) => y.recording_id === e.recording_id && y.at === at && y.start === e.start);
    if (!c) cited.push((c = { ...e, n: cited.length + 1, at, url: deepLink(e.recording_id, at), speaker: x.speaker ?? e.speaker, quote: x.text }));
    return quoteLine({ ...x, n: c.n });
  });
  return { answer: lines.join('\n'), excerpts: cited };
}

/** Where the quoted sentence starts: the sentence of the excerpt's turns that its first words begin. */
function quoteStart(text: string, e: Excerpt, cues: Cue[], language: Analysis): number | null {
  const key = quotedWords(text, language).slice(0, 6).join(' ');
  for (const c of cues) {
    if (c.end < e.start || c.start > e.end) continue;
    for (const x of cueSentences(c)) {
      const own = quotedWords(x.text, language).slice(0, 6).join(' ');
      if (`${own} `.startsWith(`${key} `) || `${key} `.startsWith(`${own} `)) return x.start;
    }
  }
  return null;
}

function pickQuotes(question: string, excerpts: Excerpt[], cues: Map<string, Cue[]>, language: Analysis, speaker: string | null): Quote[] {
  // A year is one word here: read as a count, "1967" shares "thousand" and "hundred" with any count.
  const q = contentStems(withWordForms(withoutLabel(question, speaker ?? undefined, language), language), { question: true, language, years: 'word' });
  if (q.size === 0) return [];
  const candidates: Candidate[] = [];
  const why = asksWhy(question, language);
  excerpts.slice(0, FROM_EXCERPTS).forEach((e, rank) => {
    const sentences = transcriptSentences(e.text);
    const recordingCues = cues.get(e.recording_id) ?? [];
    const matched: (Candidate | null)[] = sentences.map((text) => {
      const n = words(text, language, 'word').length;
      if (n > MAX_WORDS) return null;
      const stems = contentStems(text, { language, years: 'word' });
      let hits = 0;
      for (const s of q) if (stems.has(s)) hits++;
      if (hits === 0) return null;
      // A short sentence is a filler or an echo of the question's words ("Yeah, the lighthouse.", "The River
      // Wend.") unless it says two of them and something more: "The lighthouse needs repairs." answers what the
      // lighthouse needs.
      if (n < MIN_WORDS && (hits < 2 || [...stems].every((s) => q.has(s)))) return null;
      // Share of the question matched, then a light preference for higher-ranked excerpts and denser sentences.
      const score = hits / q.size + 0.05 * (FROM_EXCERPTS - rank) + 0.02 * (hits / Math.max(1, stems.size));
      return { n: e.n, text, score, hits, speaker: speakerOf(text, e, recordingCues) };
    });
    // Asked why, the cause is often said just after what the question names, in words of its own ("The kinetic
    // charger is out. Because it weighs…"): a sentence that gives one, within CAUSE_REACH of a match, ranks just
    // below that match.
    const causes = sentences.map((text, i): Candidate | null => {
      if (!why || matched[i] || asks(text) || !CAUSE[language].test(text)) return null;
      const n = words(text, language, 'word').length;
      if (n < MIN_WORDS || n > MAX_WORDS) return null;
      const anchor = matched.slice(Math.max(0, i - CAUSE_REACH), i).filter((c): c is Candidate => c !== null && !asks(c.text)).pop();
      return anchor ? { ...anchor, text, score: anchor.score - 1e-6, speaker: speakerOf(text, e, recordingCues) } : null;
    });
    sentences.forEach((_, i) => {
      const c = matched[i] ?? causes[i];
      if (c) candidates.push(c);
    });
  });
  // A question asked in the recording ("Do you remember the first container ship?") shares the most words with
  // a question about it and answers nothing: it is quoted only when no other sentence matches.
  const claims = candidates.filter((c) => !asks(c.text));
  const asked = claims.length > 0 ? claims : candidates;
  const named = (c: Quote) => c.speaker?.toLowerCase() === speaker?.toLowerCase();
  const theirs = speaker ? asked.filter(named) : [];
  // The named speaker may answer in other words than the question's ("no one pays 25 euro" on the price): where
  // the search's links open on them, what they say there is their answer, before anyone else's shared words.
  if (speaker && theirs.length === 0) {
    const linked = excerpts
      .slice(0, FROM_EXCERPTS)
      .map((e) => linkedQuote(e, cues.get(e.recording_id) ?? [], language))
      .filter((x): x is Quote => x !== null && named(x) && !asks(x.text));
    if (linked.length > 0) return linked.slice(0, MAX_QUOTES);
  }
  const pool = theirs.length > 0 ? theirs : asked;
  // One shared word of a longer question is chance ("remote" in a remote-control meeting), unless nothing shares more.
  const most = Math.max(0, ...pool.map((c) => c.hits));
  const usable = pool.filter((c) => c.hits >= Math.min(2, most)).sort((a, b) => b.score - a.score);
  const picked: (Quote & { score: number })[] = [];
  const perExcerpt = new Map<number, number>();
  // What the best excerpt's link plays comes first, unless it is a question or not the named speaker's.
  const lead = excerpts.length > 0 ? linkedQuote(excerpts[0], cues.get(excerpts[0].recording_id) ?? [], language) : null;
  if (lead && usable.length > 0 && (!speaker || named(lead)) && !asks(lead.text)) {
    // It ranks as the best shared-words quote does: the quotes after it are weighed against that.
    picked.push({ ...lead, score: usable[0].score });
    perExcerpt.set(lead.n, 1);
  }
  for (const c of usable) {
    if (picked.length === MAX_QUOTES) break;
    if ((perExcerpt.get(c.n) ?? 0) >= MAX_PER_EXCERPT || picked.some((p) => p.text.includes(c.text))) continue;
    // Quotes far below the best one are filler: one strong quote beats one plus two weak ones.
    if (picked.length > 0 && c.score < picked[0].score * WEAKEST_QUOTE) break;
    picked.push(c);
    perExcerpt.set(c.n, (perExcerpt.get(c.n) ?? 0) + 1);
  }
  return picked;
}

const quoteLine = (p: Quote) => `${p.speaker ? `${p.speaker}: ` : ''}"${p.text}" [${p.n}]`;

/**
 * What the excerpt's link opens on: the sentence the search placed it on (the best-matching one of its best
 * moment, or the reply to a question or prompt there), with the sentences after it in the same turn until the
 * quote says something (LEAD_WORDS). The search read the whole moment to place it; a quote chosen by shared
 * words alone is often the question's own words in the interviewer's mouth ("You're going to lend paperbacks.").
 */
function linkedQuote(e: Excerpt, cues: Cue[], language: Analysis): Quote | null {
  const cue = cues[cueAt(cues, e.at)];
  if (!cue) return null;
  const turn = cueSentences(cue);
  const from = turn.findIndex((x) => Math.abs(x.start - e.at) < 0.01);
  if (from < 0) return null;
  const texts = transcriptSentences(e.text);
  const key = (t: string) => quotedWords(t, language).slice(0, 6).join(' ');
  const pos = texts.findIndex((t) => `${quotedWords(t, language).join(' ')} `.startsWith(`${key(turn[from].text)} `));
  if (pos < 0) return null;
  const quote: string[] = [];
  let n = 0;
  for (let i = 0; from + i < turn.length && pos + i < texts.length && n < LEAD_WORDS; i++) {
    // The excerpt may end inside the turn: its text is what the citation backs.
    if (key(texts[pos + i]) !== key(turn[from + i].text)) break;
    quote.push(texts[pos + i]);
    n += words(texts[pos + i], language).length;
  }
  if (n < MIN_WORDS || n > MAX_WORDS + LEAD_WORDS) return null;
  return { n: e.n, text: quote.join(' '), speaker: cue.speaker ?? null, at: e.at };
}

/**
 * The words of transcript text as a quote of it reads: tidied as transcriptSentences tidies it. `words` keeps
 * the "re" of a transcript's spaced "we 're" and drops the "'re" of the quote's "we're", so a cue and a quote of
 * it would not match.
 */
function quotedWords(text: string, language: Analysis = 'en'): string[] {
  return words(transcriptSentences(text).join(' '), language);
}

/** The speaker whose turn, inside the excerpt's time span, contains the quoted words. */
function speakerOf(text: string, p: { start: number; end: number }, cues: Cue[]): string | null {
  const key = words(text).slice(0, 8).join(' ');
  for (const c of cues) {
    if (c.end < p.start || c.start > p.end || !c.speaker) continue;
    if (quotedWords(c.text).join(' ').includes(key)) return c.speaker;
  }
  return null;
}
