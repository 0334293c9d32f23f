import { type Analysis, type Cue, cueSentences, saysPhrase } from '../core/index.js';
import { contentStems } from './text.js';

/** How far past a moment's end its link may move, to the reply to a question asked at its end. */
export const REPLY_S = 30;

/**
 * A turn this short that ends on the best sentence, or on a question after it, sets up the next speaker ("And it
 * replaces the old library on Chapel Street.", "In September they occupied the yard. Were you there?"): the link
 * opens on the reply. Chosen on the dev set's tuning split (scripts/eval/localise-lab.ts).
 */
export const PROMPT_S = 20;

/** Whether a sentence asks: it ends on a question mark, before any closing quote or bracket. */
export const asks = (sentence: string): boolean => /\?["'”’)]*$/.test(sentence);

export interface LocaliseOptions {
  /** How the recording's words are stemmed (the question's stems must be the same language's). */
  language?: Analysis;
  /** The longest turn read as a prompt (default PROMPT_S; 0 turns the prompt rule off). */
  promptS?: number;
  /**
   * Which turns of at most promptS holding the best sentence are prompts: those that end on it ('ending'), also
   * those that end on a question after it ('asking', the default), or any ('any').
   */
  promptTurns?: 'ending' | 'asking' | 'any';
}

/**
 * Where a result's link opens: the start of the sentence, inside the best moment, that holds the most of the
 * question's words. A moment is a window of whole sentences, and the answer often begins a sentence or two
 * after the window does; opening there spares the listener the talk before it.
 *
 * Words count by how rare they are among the window's sentences (a word in every sentence says nothing about
 * which one to open on); ties go to the earliest sentence, so the listener hears the lead-in. With no
 * question word in any sentence (a hit of the vector leg alone) the link stays at the window's start.
 *
 * A question asked in the recording ("Do you remember the first container ship?") shares the most words with
 * a question about it, but what was asked about is the answer: when the best sentence is a question and the
 * next is another speaker's, the link opens on the reply, if it begins within REPLY_S of the window's end.
 * The same holds for a turn of at most PROMPT_S that ends on the best sentence, without a question mark: an
 * interviewer's "And it replaces the old library on Chapel Street." or a chair's "Which brings us to speech
 * recognition." is followed by the talk asked about, not part of it; and for such a turn that goes on from the
 * best sentence to a question ("Im September haben die Kollegen die Werft besetzt. Waren Sie dabei?"). A reply
 * that is only a backchannel ("Mm-hmm.") is passed over for the first turn after it that says something.
 * `cues` are the recording's, in time order; only those that reach into [from, to + REPLY_S] are read.
 */
export function bestSentenceStart(cues: Cue[], from: number, to: number, question: Set<string>, opts: LocaliseOptions = {}): number {
  if (question.size === 0) return from;
  const { language = 'en', promptS = PROMPT_S, promptTurns = 'asking' } = opts;
  const all = sentencesFrom(cues, from, to + REPLY_S);
  const sentences = all.filter((x) => x.start < to).map((x) => ({ ...x, stems: contentStems(x.text, { language }) }));
  if (sentences.length === 0) return from;
  const df = new Map<string, number>();
  for (const x of sentences) for (const w of x.stems) if (question.has(w)) df.set(w, (df.get(w) ?? 0) + 1);
  const scores = sentences.map((x) => {
    let score = 0;
    for (const w of x.stems) {
      const n = df.get(w);
      if (n) score += 1 + Math.log(sentences.length / n);
    }
    return score;
  });
  // The first sentence with the highest score: ties go to the earliest.
  const best = scores.reduce((b, x, i) => (x > 1e-9 && (b < 0 || x > scores[b] + 1e-9) ? i : b), -1);
  if (best < 0) return from;
  const chosen = sentences[best];
  // The turn holding the best sentence, and the other speaker's sentence after it.
  let first = best;
  while (first > 0 && all[first - 1].speaker === chosen.speaker) first--;
  let last = best;
  while (all[last + 1] && all[last + 1].speaker === chosen.speaker) last++;
  const reply = all[last + 1];
  if (reply && reply.speaker != null) {
    const asking = asks(all[last].text);
    const short = all[last].end - (first === 0 ? turnStart(cues, all[0]) : all[first].start) <= promptS;
    if ((last === best && (asking || short)) || (last > best && short && (promptTurns === 'any' || (promptTurns === 'asking' && asking)))) {
      return pastBackchannels(all, last + 1);
    }
  }
  return Math.max(from, chosen.start);
}

/** The most words a turn of backchannel has ("Mm-hmm.", "Yeah, right.", "Oh."). */
export const BACKCHANNEL_WORDS = 3;

/** How many words a transcript's text says: its tokens with a letter or digit ("Mm - hmm ." is two). */
export const spokenWords = (text: string) => text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

/**
 * Where the reply starting at all[i] says something: past the turns of backchannel ("Mm-hmm.", "Good.") that
 * follow a question or a prompt, to the first turn of more words, whoever says it, or to the last turn `all`
 * holds, which may say more than it shows. When that turn is the prompt's own speaker asking on ("The big strike, in '67." "Yes." "How
 * did that start?", "Against?"), the prompt goes on there, and the reply is the turn after that question.
 */
function pastBackchannels(all: { start: number; speaker?: string | null; text: string }[], i: number): number {
  const prompter = all[i - 1]?.speaker;
  for (let k = i; all[k]; ) {
    let j = k;
    let said = 0;
    while (all[j] && all[j].speaker === all[k].speaker) said += spokenWords(all[j++].text);
    if (!all[j]) return all[k].start;
    // Asking on is a turn of one question; a turn that says something first ("The motion is carried. … Those in
    // favour?") is talk after the prompt, whatever it ends on.
    const asksOn = k > i && j === k + 1 && all[k].speaker === prompter && asks(all[k].text);
    if (asksOn) return pastBackchannels(all, j);
    if (said > BACKCHANNEL_WORDS) return all[k].start;
    k = j;
  }
  return all[i].start;
}

/** The index of the cue being said at `at` (a sentence's start, which may lead its cue's by a hundredth), or -1. */
export const cueAt = (cues: Cue[], at: number): number => cues.findIndex((c) => c.start <= at + 0.01 && c.end > at);

/**
 * Where the turn holding `sentence` began, before the window too: a window cut into a long turn holds only its
 * end, and that end is no short prompt ("If the library only has the hardback, …" after 20 s of the librarian's
 * answer, then the host's "Mm."). The turn runs back over the cues of the sentence's speaker.
 */
function turnStart(cues: Cue[], sentence: { start: number; speaker?: string | null }): number {
  let i = cueAt(cues, sentence.start);
  if (i < 0 || cues[i].speaker !== sentence.speaker) return sentence.start;
  while (i > 0 && cues[i - 1].speaker === sentence.speaker) i--;
  return Math.min(cues[i].start, sentence.start);
}

/**
 * The sentences, from `from` on, of the cues that reach into [from, until). A sentence belongs to a window when it
 * starts inside it (the first may have begun a little earlier).
 */
function sentencesFrom(cues: Cue[], from: number, until: number) {
  return cues
    .filter((c) => c.end > from && c.start < until)
    .flatMap((c) => cueSentences(c))
    .filter((x) => x.start >= from - 0.5);
}

/**
 * Where a result's link opens when the question quotes phrases: the first sentence of the best moment, [from, to),
 * that says the most of them. The words asked for word for word are where the listener wants to be, not a reply
 * to them. Undefined when no sentence says one on its own (a phrase across two sentences: "fair. Rent").
 */
export function phraseSentenceStart(cues: Cue[], from: number, to: number, phrases: string[]): number | undefined {
  let best: { start: number; said: number } | undefined;
  for (const x of sentencesFrom(cues, from, to)) {
    if (x.start >= to) continue;
    const said = phrases.filter((ph) => saysPhrase(x.text, ph)).length;
    if (said > (best?.said ?? 0)) best = { start: Math.max(from, x.start), said };
  }
  return best?.start;
}

/**
 * The sentences from a passage's end `end` up to the one its link opens on (`at`, past `end` when the link opens
 * on a reply after the passage, see bestSentenceStart), so that the passage shown holds what the link plays.
 * Null when the link opens inside the passage. `cues` as for bestSentenceStart.
 */
export function sentencesToLink(cues: Cue[], end: number, at: number): { text: string; end: number } | null {
  if (at <= end) return null;
  const past = cues
    .filter((c) => c.end > end && c.start <= at)
    .flatMap((c) => cueSentences(c))
    .filter((x) => x.start >= end - 0.01 && x.start <= at + 0.01);
  if (past.length === 0) return null;
  return { text: past.map((x) => x.text).join(' '), end: Math.max(...past.map((x) => x.end)) };
}

/**
 * Where, in the text of a passage spanning [start, end], the sentence its link opens on (at `at`) begins: a
 * character offset, or undefined when no sentence of `cues` starts at `at` or the text does not hold it. A
 * sentence said more than once in the passage ("Yes.") is taken where its time puts it.
 */
export function linkOffset(text: string, cues: Cue[], span: { start: number; end: number }, at: number): number | undefined {
  const sentence = cues
    .filter((c) => c.start <= at + 0.01 && c.end > at)
    .flatMap((c) => cueSentences(c))
    .find((x) => Math.abs(x.start - at) < 0.01);
  if (!sentence?.text) return undefined;
  const expected = ((at - span.start) / Math.max(span.end - span.start, 1e-9)) * text.length;
  let best: number | undefined;
  for (let i = text.indexOf(sentence.text); i >= 0; i = text.indexOf(sentence.text, i + 1)) {
    if (best === undefined || Math.abs(i - expected) < Math.abs(best - expected)) best = i;
  }
  return best;
}
