import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/platform/db/pglite.js';
import type { Db } from '../../src/platform/db/port.js';
import { highlight } from '../../src/retrieval/highlight.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';
import { devTranscript } from '../helpers/server.js';

let db: Db;
beforeAll(async () => {
  db = await openPglite();
});
afterAll(async () => db?.close());

const lexemes = async (q: string) =>
  new Set((await db.query<{ l: string[] }>("SELECT tsvector_to_array(to_tsvector('english', $1)) AS l", [q]))[0].l);
const marked = (html: string) => [...html.matchAll(/<mark>(.*?)<\/mark>/g)].map((m) => m[1].toLowerCase());

describe('search highlights (JS marking, Postgres lexemes)', () => {
  it('marks stemmed forms, not stop words, escapes the text and keeps punctuation outside the mark', async () => {
    const html = highlight('The <b>designers</b> were designing: "Design," they said & left.', await lexemes('the design'));
    expect(html).toBe('The &lt;b&gt;<mark>designers</mark>&lt;/b&gt; were <mark>designing</mark>: &quot;<mark>Design</mark>,&quot; they said &amp; left.');
  });

  it("marks a year said by its last two digits when the question asks for the whole year, and no other number", async () => {
    const html = highlight("The big strike, in '67. Sixty-seven men, 67 ships, the ’67 pay and 1967.", await lexemes('strike 1967'));
    expect(marked(html)).toEqual(['strike', '67', '67', '1967']);
    expect(html).toContain("in '<mark>67</mark>.");
    expect(html).toContain('the ’<mark>67</mark> pay');
  });

  it('cuts a long passage to at most two fragments of 45 words around the matches', async () => {
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`);
    words[30] = 'budget';
    words[300] = 'budgets';
    const html = highlight(words.join(' '), await lexemes('budget'));
    const parts = html.split(' … ');
    expect(parts).toHaveLength(2);
    for (const p of parts) expect(p.split(' ').length).toBeLessThanOrEqual(45);
    expect(marked(html)).toEqual(['budget', 'budgets']);
    expect(highlight(words.join(' '), await lexemes('nothing matches'))).toBe(words.slice(0, 20).join(' '));
  });

  it('starts a fragment on the sentence that holds its first match, when that sentence began shortly before', async () => {
    const filler = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const text = `${filler}. We looked at four options for the power supply. Standard batteries were the cheapest, by far. ${filler}.`;
    const html = highlight(text, await lexemes('batteries'));
    expect(html).toMatch(/^Standard <mark>batteries<\/mark> were the cheapest/);
    // a sentence that began long before the match: the fragment opens a few words before it
    const long = `${filler} batteries ${filler}.`;
    expect(highlight(long, await lexemes('batteries'))).toMatch(/^w52 w53 .* <mark>batteries<\/mark>/);
  });

  it('starts a fragment where the link opens, and gives the other to the most matches elsewhere', async () => {
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`);
    for (const i of [30, 32, 34, 300, 302]) words[i] = 'budget';
    const text = words.join(' ');
    const parts = highlight(text, await lexemes('budget'), 'en', text.indexOf('w200 ')).split(' … ');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatch(/^w22 w23 .* <mark>budget<\/mark> w35/);
    expect(parts[1]).toMatch(/^w200 w201 /);
    // near the end, the fragment still starts on the link's word, and ends with the passage
    expect(highlight(text, await lexemes('budget'), 'en', text.indexOf('w390 ')).split(' … ')[1]).toMatch(/^w390 .* w399$/);
    // with no match, the excerpt is the words the link opens on
    expect(highlight(text, await lexemes('nothing matches'), 'en', text.indexOf('w100 '))).toBe(words.slice(100, 120).join(' '));
    const short = words.slice(0, 40).join(' ');
    expect(highlight(short, await lexemes('nothing matches'), 'en', short.indexOf('w31 '))).toBe(words.slice(20, 40).join(' '));
  });

  it("shows the question's words beside the link's sentence when they are just before it, as in a reply to a question", async () => {
    const text = "Can I come in there, Chair? Councillor Osei. I support Councillor Alvarez on the letter. I'm less sure about four percent. But I want to remind the committee about the waiting list. Mr. Kavanagh, what's the waiting list now? Six thousand four hundred households, Chair, as of the end of February.";
    const html = highlight(text, await lexemes('Kavanagh waiting list'), 'en', text.indexOf('Six thousand'));
    expect(marked(html)).toEqual(['waiting', 'list', 'kavanagh', 'waiting', 'list']);
    expect(html).toMatch(/Six thousand four hundred households, Chair, as of the end of February\.$/);
    expect(html.split(' ').length).toBeLessThanOrEqual(2 * 45);
  });

  it('screens a long passage by offsets as it screens it word by word (odd spacing takes the word-by-word path)', async () => {
    const text = parseTranscript('ES2005a.vtt', devTranscript('ES2005a'))
      .slice(0, 200)
      .map((c) => c.text)
      .join(' ');
    const oddlySpaced = text.replace(/ /g, (_, i: number) => (i % 7 === 0 ? '\n' : i % 5 === 0 ? '  ' : ' '));
    for (const q of ['remote control buttons design', 'what did the project manager say about the price', "the remote's buttons"]) {
      const lx = await lexemes(q);
      const html = highlight(text, lx);
      expect(marked(html).length).toBeGreaterThan(0);
      expect(highlight(oddlySpaced, lx)).toBe(html);
    }
  });

  it("marks the words Postgres' ts_headline marks, on real meeting transcripts", async () => {
    const cues = parseTranscript('ES2005a.vtt', devTranscript('ES2005a')).slice(0, 80);
    const text = cues.map((c) => c.text).join(' ');
    // (Not compared: Postgres splits "we're" into "we" + "re" and would mark every "re" for a query holding one.)
    for (const q of ['remote control buttons design', 'what did the project manager say about the price', 'discussing the kick-off meeting']) {
      const [{ h }] = await db.query<{ h: string }>(
        "SELECT ts_headline('english', $1, plainto_tsquery('english', $2), 'HighlightAll=true, StartSel=<mark>, StopSel=</mark>') AS h",
        [text, q],
      );
      const fromPostgres = marked(h);
      // Word by word, so that the JS marker returns every word (no fragments) to compare with HighlightAll.
      const lx = await lexemes(q);
      const js = text.split(/\s+/).flatMap((w) => marked(highlight(w, lx)));
      expect(fromPostgres.length).toBeGreaterThan(0);
      expect(js.map((w) => w.replace(/[^\p{L}\p{N}'-]/gu, ''))).toEqual(fromPostgres);
    }
  });
});
