/**
 * Calibrates the thresholds of src/answer (relevance gate, citation support) on the dev set.
 * Run: npx tsx test/answer/calibrate.ts   (about a minute: it embeds 9 recordings with USE-lite)
 * CAL_DETAIL=1 lists every question and every misjudged sentence; CAL_GATE_ONLY=1 stops after the gate.
 *
 * GATE CALIBRATION: the dev questions about the 9 ingested recordings and short questions about them
 * (should pass) vs dev questions about other meetings (ICSI research meetings; Canadian parliamentary
 * hearings, neighbours of the ingested Welsh committee), short off-archive and general-knowledge questions.
 * SUPPORT CALIBRATION: sentences of the reference answers vs the transcript of their gold spans (positive),
 * vs a moment of the same meeting at least 30 s from every gold span (hard negative), and vs the gold span
 * of a question about another meeting (easy negative).
 *
 * Results (moments of 20 s / 30 s at most / 5 s overlap, USE-lite 512), share let through by the gate
 * (in / short in / icsi / covid / general / short off):
 *   union ≥ 0.6 and vector ≥ 0.35 (chosen)   56/60  28/28  38/132  9/46  1/15  7/27
 *   union ≥ 0.6 and vector ≥ 0.40            55/60  27/28  28/132  9/46  0/15  4/27
 *   union ≥ 0.5 and vector ≥ 0.35            60/60  28/28  68/132 18/46  3/15 14/27
 *   union ≥ 0.6, no embeddings (chosen)      56/60  28/28  41/132  9/46  2/15  7/27
 * Support (183 sentences; accepted share pos / hard / easy), AUC lexical 0.904, semantic 0.806, sum 0.913:
 *   lexical + 0.5·semantic ≥ 0.7 (chosen)    0.81 / 0.05 / 0.20
 *   lexical + 0.5·semantic ≥ 0.65            0.86 / 0.10 / 0.26
 *   lexical + 0.5·semantic ≥ 0.75            0.73 / 0.02 / 0.13
 *   lexical ≥ 0.5, no embeddings (chosen)    0.83 / 0.10 / 0.23
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices } from '../../src/main/services.js';
import { ingestTranscript } from '../../src/ingest/transcript.js';
import { retrieveExcerpts } from '../../src/answer/retrieve.js';
import { isClaim, isSupported, supportSignals, type Source, type SupportSignals } from '../../src/answer/verify.js';
import type { Moment } from '../../src/core/domain.js';
import { splitSentences } from '../../src/retrieval/text.js';

const DEV = path.resolve(import.meta.dirname, '../../../shared/eval/dev');
const INGEST = ['ES2005a', 'IS1004a', 'ES2013a', 'ES2010a', 'ES2003a', 'IS1005a', 'IS1001a', 'TS3012a', 'education_19'];
const GENERAL = [
  'What is the capital of Australia?', 'How do I bake sourdough bread?', 'Who won the 1998 football World Cup?',
  'What is the boiling point of water on Mount Everest?', 'How does photosynthesis work?',
  'What did the board decide about the new hospital wing?', 'When was the Eiffel Tower built?',
  'What are the side effects of ibuprofen?', 'How do you change a bicycle tyre?', 'Who wrote War and Peace?',
  'What was said about the merger with the airline?', 'How many moons does Jupiter have?',
  'What did the committee say about fishing quotas in the North Sea?', 'Summarize the discussion about cryptocurrency regulation.',
  'What is the recipe for a margarita pizza?',
];

// Short questions as people type them; the dev queries are long and specific, which flatters both signals.
const SHORT_IN = [
  'What did marketing say about the price?', 'Why did the User Interface choose to draw an animal?', 'Summarize the meeting',
  'What is the selling price?', 'What profit do they want?', 'Who is allergic to cats?', 'What animal did the industrial designer draw?',
  'Why a panther?', 'What battery type did they choose?', 'Should the remote be waterproof?', 'What did they say about a curve design?',
  'What buttons did marketing want?', 'What about a keypad for games?', 'Why are remote controls frustrating?',
  'What is a potential-meter for?', 'What are the design steps?', 'How do you use the SMARTboard?', 'Why dolphins?',
  'What was said about the tiger?', 'What did Kirsty Williams say about Swansea University?', 'What about the no deal scenario?',
  'What was said about funding for universities?', 'What did they say about immigration policy?', 'How can you find a lost remote?',
  'Should it be universal?', 'Who is the target group?', 'What did the project manager say about the budget?', 'What is the project about?',
];
const SHORT_OFF = [
  'What did they say about the XML format?', 'What did the minister say about vaccines?', 'Tell me about the wage subsidy.',
  'What was said about petitions?', 'What happened with the microphones?', 'What did they say about speech recognition errors?',
  'Who won the election?', 'How did they choose the neural network?', 'What about long-term care homes?',
  'What is the plan for the Eurospeech paper?', 'What did they decide about the parser?', 'Why did the recognizer fail?',
  'What did they say about noise robustness?', 'What about the summer jobs program?', "What's the weather forecast?",
  'How do I reset my password?', 'What about the transcription conventions?', 'What did they say about the digits task?',
  'Who is the prime minister?', 'What did they say about small businesses?', 'Tell me about the tax increase.',
  'When is the next election?', 'What about the pension reform?', 'How much does the train ticket cost?',
  'What did the doctor prescribe?', 'What did they say about the football match?', 'What happened to the stock market?',
];

interface Query { query: string; recording_id: string; gold: [number, number][]; answer: string }
const queries: Query[] = fs.readFileSync(path.join(DEV, 'queries.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const manifest = fs.readFileSync(path.join(DEV, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: '/tmp/sa-calibrate' });
const s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, cache: 'off' });
for (const id of INGEST) {
  const row = manifest.find((m) => m.id === id);
  const content = fs.readFileSync(path.join(DEV, row.transcript), 'utf8');
  await ingestTranscript(s, { meta: { id, title: row.title, recordedAt: row.recorded_at, collection: row.collection, language: 'en', source: null }, fileName: `${id}.vtt`, content });
}

// ---- gate ----
const q = (x: number) => x.toFixed(3);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
type Gate = { u: number; v: number };
async function gateSignals(question: string): Promise<Gate> {
  const r = await retrieveExcerpts(s, question, { limit: 8, filters: {}, temporal: 'auto' });
  return r.excerpts.length ? { u: r.gate.union_coverage, v: r.gate.vector ?? 0 } : { u: 0, v: 0 };
}
const inArchive = queries.filter((x) => INGEST.includes(x.recording_id));
const groups: Record<string, string[]> = {
  'in-archive': inArchive.map((x) => x.query),
  // Research meetings on speech recognition: other subjects, same register (every question is about a meeting).
  icsi: queries.filter((x) => /^B/.test(x.recording_id)).filter((_, i) => i % 2 === 0).map((x) => x.query),
  // Parliamentary hearings: neighbours of the ingested Welsh committee (government, ministers, funding).
  covid: queries.filter((x) => /^covid/.test(x.recording_id)).filter((_, i) => i % 2 === 0).map((x) => x.query),
  general: GENERAL,
  'short in': SHORT_IN,
  'short off': SHORT_OFF,
};
const signals: Record<string, Gate[]> = {};
for (const [g, qs] of Object.entries(groups)) signals[g] = await Promise.all(qs.map(gateSignals));
console.log('GATE CALIBRATION (share of questions the gate lets through to the model)');
for (const [g, xs] of Object.entries(signals)) {
  console.log(`  ${g.padEnd(10)} n=${xs.length} union coverage p5 ${q(pct(xs.map((x) => x.u), 5))} p50 ${q(pct(xs.map((x) => x.u), 50))}` +
    ` | vector p5 ${q(pct(xs.map((x) => x.v), 5))} p50 ${q(pct(xs.map((x) => x.v), 50))}`);
  if (process.env.CAL_DETAIL) groups[g].forEach((text, i) => console.log(`    ${q(xs[i].u)} ${q(xs[i].v)} ${text}`));
}
for (const u of [0.4, 0.5, 0.6, 0.7]) for (const v of [0.35, 0.4, 0.45]) {
  const pass = (x: Gate) => x.u >= u && x.v >= v;
  console.log(`  union≥${u} and vector≥${v}: ` + Object.entries(signals).map(([g, xs]) => `${g} ${xs.filter(pass).length}/${xs.length}`).join(', '));
}
for (const u of [0.5, 0.6, 0.7]) {
  console.log(`  union≥${u} (no embeddings): ` + Object.entries(signals).map(([g, xs]) => `${g} ${xs.filter((x) => x.u >= u).length}/${xs.length}`).join(', '));
}

if (process.env.CAL_GATE_ONLY) process.exit(0);

// ---- support ----
const source = (ms: Moment[]): Source => ({ text: ms.map((m) => m.text).join(' '), speakers: [...new Set(ms.flatMap((m) => m.speakers))] });
async function spanText(recordingId: string, spans: [number, number][]) {
  const ms = await s.archive.moments(recordingId);
  return source(ms.filter((m) => spans.some(([a, b]) => m.start < b && m.end > a)));
}
async function outsideText(recordingId: string, spans: [number, number][], seed: number) {
  const ms = (await s.archive.moments(recordingId)).filter((m) => !spans.some(([a, b]) => m.start < b + 30 && m.end > a - 30));
  return ms.length ? source([ms[seed % ms.length]]) : null;
}
const rows: { kind: 'pos' | 'hard' | 'easy'; sig: SupportSignals; sent: string }[] = [];
for (const [i, x] of inArchive.entries()) {
  const gold = await spanText(x.recording_id, x.gold);
  const hard = await outsideText(x.recording_id, x.gold, i * 7);
  const other = inArchive.find((y, j) => j > i && y.recording_id !== x.recording_id) ?? inArchive[0];
  const easy = await spanText(other.recording_id, other.gold);
  for (const sent of splitSentences(x.answer).map((y) => y.text).filter((x) => isClaim(x))) {
    rows.push({ kind: 'pos', sent, sig: await supportSignals(sent, [gold], s.embedder) });
    if (hard) rows.push({ kind: 'hard', sent, sig: await supportSignals(sent, [hard], s.embedder) });
    rows.push({ kind: 'easy', sent, sig: await supportSignals(sent, [easy], s.embedder) });
  }
}
const of = (k: string) => rows.filter((r) => r.kind === k);
console.log('SUPPORT CALIBRATION (accepted share pos / hard / easy)');
console.log(`  ${of('pos').length} positive, ${of('hard').length} hard negative, ${of('easy').length} easy negative pairs`);
for (const k of ['pos', 'hard', 'easy']) {
  const lx = of(k).map((r) => r.sig.lexical);
  const sm = of(k).map((r) => r.sig.semantic ?? 0);
  console.log(`  ${k.padEnd(5)} lexical p10 ${q(pct(lx, 10))} p50 ${q(pct(lx, 50))} p90 ${q(pct(lx, 90))} | semantic p10 ${q(pct(sm, 10))} p50 ${q(pct(sm, 50))} p90 ${q(pct(sm, 90))}`);
}
const rate = (k: string, f: (x: SupportSignals) => boolean) => (of(k).filter((r) => f(r.sig)).length / of(k).length).toFixed(2);
console.log(`    current rule: ${rate('pos', isSupported)} / ${rate('hard', isSupported)} / ${rate('easy', isSupported)}`);
const auc = (f: (x: SupportSignals) => number) => {
  const ps = of('pos').map((r) => f(r.sig));
  const ns = rows.filter((r) => r.kind !== 'pos').map((r) => f(r.sig));
  let wins = 0;
  for (const p of ps) for (const n of ns) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return (wins / ps.length / ns.length).toFixed(3);
};
console.log(`  AUC lexical ${auc((x) => x.lexical)}, semantic ${auc((x) => x.semantic ?? 0)}, lexical + 0.5·semantic ${auc((x) => x.lexical + 0.5 * (x.semantic ?? 0))}`);
for (const t of [0.4, 0.45, 0.5, 0.55, 0.6]) {
  const f = (x: SupportSignals) => !x.missing_numbers && x.lexical >= t;
  console.log(`    lexical ≥ ${t}: ${rate('pos', f)} / ${rate('hard', f)} / ${rate('easy', f)}`);
}
for (const w of [0.5, 1]) for (const t of [0.6, 0.65, 0.7, 0.75, 0.8, 0.9]) {
  const f = (x: SupportSignals) => !x.missing_numbers && x.lexical + w * (x.semantic ?? 0) >= t;
  console.log(`    lexical + ${w}·semantic ≥ ${t}: ${rate('pos', f)} / ${rate('hard', f)} / ${rate('easy', f)}`);
}
if (process.env.CAL_DUMP) fs.writeFileSync(process.env.CAL_DUMP, JSON.stringify(rows));
if (process.env.CAL_DETAIL) for (const r of rows.filter((x) => x.kind !== 'pos' ? isSupported(x.sig) : !isSupported(x.sig))) console.log(`    ${r.kind} ${q(r.sig.lexical)} ${q(r.sig.semantic ?? 0)} ${r.sent}`);
await s.close();
