/**
 * Where an answer without a model quotes from: `tsx scripts/eval/answer-check.ts <eval dir> --data-dir
 * <ingested archive>`. Asks each question as `POST /v1/ask` does with no LLM configured (8 excerpts, the
 * extractive answer), archive-wide and within the question's recording, finds each quoted sentence in its
 * recording's transcript and prints, per scope and split: the share of questions answered, of answers whose
 * first quote lies inside an answer span (3 s of lead-in allowed, as for links), of answers with any quote
 * inside one, of all quotes inside one; of all questions, those whose first excerpt's link (the first
 * citation's, when cited) opens inside one, and how many the relevance gate turned away for want of the
 * question's words in the excerpts or of a passage close to it in meaning (a question can lack both). A quote
 * outside every span is talk a reader is told answers the question and does not. Where the evaluation set has a
 * written answer, how much of it the quotes say: the share of its content words that the quotes hold, and of the
 * quotes' content words that it holds (longer quotes say more of it and less to the point). Questions that ask why
 * are also tallied apart (their answer is a cause, which seldom shares the question's words).
 */
import path from 'node:path';
import { cueSentences, type Analysis, type Cue } from '../../src/core/index.js';
import { answerFrom } from '../../src/answer/service.js';
import { retrieveExcerpts, UNION_GATE, VECTOR_GATE } from '../../src/answer/retrieve.js';
import { asksWhy } from '../../src/answer/extractive.js';
import { contentStems } from '../../src/retrieval/index.js';
import { labCommand, openLab } from './lab.js';
import { LEAD_IN_S, splitOf } from './metrics.js';
import { readQuestions, type EvalQuestion } from './questions.js';

const program = labCommand('answer-check').option('--scopes <list>', 'archive, recording', 'archive,recording').option('--limit <n>', 'questions (all by default)').option('--why', 'only the questions that ask why').option('--show', 'print each answer whose first quote misses, and each question not answered').parse();
const opts = program.opts<{ dataDir: string; embedCache: string; scopes: string; limit?: string; show?: boolean; why?: boolean }>();
const read = readQuestions(path.join(path.resolve(program.args[0]), 'queries.jsonl'));
const all = opts.why ? read.filter((q) => asksWhy(q.query, q.language as Analysis)) : read;
const queries = opts.limit ? all.slice(0, Number(opts.limit)) : all;

const s = await openLab(opts);
const segments = new Map<string, Cue[]>();
const sentencesOf = async (id: string) => {
  if (!segments.has(id)) segments.set(id, await s.archive.segments(id));
  return segments.get(id)!.flatMap((c) => cueSentences(c));
};
// Not `words`: that drops the "'re" of "we're" but keeps the "re" of the transcript's "we 're".
const norm = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
const QUOTE = /"(.+)" \[(\d+)\]$/;

interface Tally {
  questions: number;
  answered: number;
  firstInside: number;
  anyInside: number;
  quotes: number;
  quotesInside: number;
  unplaced: number;
  linkInside: number;
  /** Questions the relevance gate turned away for want of the question's words, or of a passage close in meaning. */
  noWords: number;
  noMeaning: number;
  /** Over answered questions with a written answer: the share of its content words quoted, of quoted words in it. */
  written: number;
  recall: number;
  precision: number;
}
const blank = (): Tally => ({ questions: 0, answered: 0, firstInside: 0, anyInside: 0, quotes: 0, quotesInside: 0, unplaced: 0, linkInside: 0, noWords: 0, noMeaning: 0, written: 0, recall: 0, precision: 0 });
const tallies = new Map<string, Tally>();
const tallyOf = (key: string) => tallies.get(key) ?? tallies.set(key, blank()).get(key)!;

async function check(q: EvalQuestion, scope: string): Promise<void> {
  const request = { limit: 8, filters: scope === 'recording' ? { recording: q.recording_id } : {}, temporal: 'auto' as const };
  const retrieval = await retrieveExcerpts(s, q.query, request);
  const out = await answerFrom(s, null, q.query, retrieval);
  const [first] = retrieval.excerpts;
  const inAnswer = (recordingId: string, at: number) => recordingId === q.recording_id && q.gold.some(([a, b]) => at >= a - LEAD_IN_S && at <= b);
  const inside: boolean[] = [];
  const quoted: string[] = [];
  let unplaced = 0;
  if (out.kind === 'extractive') {
    for (const line of out.answer.split('\n')) {
      const m = QUOTE.exec(line);
      const citation = m && out.citations.find((c) => c.n === Number(m[2]));
      if (!m || !citation) continue;
      quoted.push(m[1]);
      // By its first words: a quote of one sentence or more of the excerpt's text, which need not split as its cue does.
      const key = norm(m[1]).split(' ').slice(0, 6).join(' ');
      const starts = (x: { text: string }) => {
        const own = norm(x.text).split(' ').slice(0, 6).join(' ');
        return `${own} `.startsWith(`${key} `) || `${key} `.startsWith(`${own} `);
      };
      const sentence = (await sentencesOf(citation.recording_id)).find((x) => x.start >= citation.start - 1 && x.start <= citation.end && starts(x));
      if (!sentence) {
        unplaced++;
        continue;
      }
      inside.push(inAnswer(citation.recording_id, sentence.start));
    }
  }
  const linkInside = first !== undefined && inAnswer(first.recording_id, first.at);
  if (opts.show && inside.length === 0) console.log(`${scope} | ${q.query}\n  ${out.kind}: ${out.answer}\n`);
  if (opts.show && inside.length > 0 && !inside[0]) console.log(`${scope} | ${q.query}\n${out.answer}\n  excerpt 1 opens ${first?.url}${linkInside ? ' (inside)' : ''}; answer ${JSON.stringify(q.gold)} in ${q.recording_id}\n`);
  const language = q.language as Analysis;
  const said = wordsSaid(quoted.join(' '), q.answer, language);
  const keys = [`${scope} all`, `${scope} ${splitOf(q.recording_id)}`, ...(asksWhy(q.query, language) ? [`${scope} why`] : [])];
  for (const key of keys) {
    const t = tallyOf(key);
    t.questions++;
    t.unplaced += unplaced;
    t.linkInside += linkInside ? 1 : 0;
    if (!retrieval.relevant) {
      t.noWords += retrieval.gate.union_coverage < UNION_GATE ? 1 : 0;
      t.noMeaning += (retrieval.gate.vector ?? 1) < VECTOR_GATE ? 1 : 0;
    }
    if (inside.length === 0) continue;
    t.answered++;
    t.firstInside += inside[0] ? 1 : 0;
    t.anyInside += inside.some(Boolean) ? 1 : 0;
    t.quotes += inside.length;
    t.quotesInside += inside.filter(Boolean).length;
    if (said) {
      t.written++;
      t.recall += said.recall;
      t.precision += said.precision;
    }
  }
}

/** How much of the written answer the quotes say, by content words (null without a written answer or quotes). */
function wordsSaid(quotes: string, answer: string | undefined, language: Analysis): { recall: number; precision: number } | null {
  if (!answer || !quotes) return null;
  const a = contentStems(answer, { language });
  const x = contentStems(quotes, { language });
  if (a.size === 0 || x.size === 0) return null;
  const both = [...x].filter((w) => a.has(w)).length;
  return { recall: both / a.size, precision: both / x.size };
}

for (const scope of opts.scopes.split(',')) for (const q of queries) await check(q, scope);

const pct = (n: number, d: number) => `${((100 * n) / Math.max(d, 1)).toFixed(1)} %`;
console.log("| scope | questions | answered | first quote inside | any quote inside | quotes inside | quotes not found | the first excerpt opens inside | turned away: words, meaning | answer's words quoted | quoted words in the answer |");
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [key, t] of tallies) {
  console.log(
    `| ${key} | ${t.questions} | ${pct(t.answered, t.questions)} | ${pct(t.firstInside, t.answered)} | ${pct(t.anyInside, t.answered)} | ${t.quotesInside} of ${t.quotes} (${pct(t.quotesInside, t.quotes)}) | ${t.unplaced} | ${pct(t.linkInside, t.questions)} | ${t.noWords}, ${t.noMeaning} | ${pct(t.recall, t.written)} | ${pct(t.precision, t.written)} |`,
  );
}
await s.close();
