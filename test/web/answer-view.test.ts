import { describe, expect, it } from 'vitest';
import { AnswerView, type Answer } from '../../src/http/web/answer.js';

const render = async (a: Answer, question?: string, defaultLanguage = 'en') => String(await AnswerView({ a, question, defaultLanguage }));

describe('the answer as the web page shows it', () => {
  it('offers a search for the question when the archive gave no answer, so a refusal is not a dead end', async () => {
    const none: Answer = { answer: 'El archivo no contiene una respuesta a esta pregunta.', kind: 'no_answer', citations: [], unsupported: [], routing: null, warnings: [] };
    const html = await render(none, '¿Qué consiguieron con la huelga?');
    expect(html).toContain(`href="/?q=${encodeURIComponent('¿Qué consiguieron con la huelga?').replace(/%20/g, '+')}"`);
    // An answer has its sources instead.
    expect(await render({ ...none, kind: 'extractive', answer: '"Ganamos." [1]' }, '¿Qué consiguieron?')).not.toContain('href="/?q=');
  });

  it("marks each quoted source with its recording's language, and the quoted answer with theirs when they share one", async () => {
    const cite = (n: number, language: string | null) => ({
      n, recording_id: `r${n}`, recording_title: `R${n}`, recorded_at: null, start: 10, end: 20, at: 12, speaker: 'Carmen', text: 'Pedíamos un aumento de salario.', url: `/r/r${n}?t=12`, moment_ids: [`m${n}`], language,
    });
    const es: Answer = { answer: '"Pedíamos un aumento de salario." [1] "La huelga empezó en marzo." [2]', kind: 'extractive', citations: [cite(1, 'es'), cite(2, 'es-ES')], unsupported: [], routing: null };
    const html = await render(es, '¿Qué pedían?');
    expect(html).toContain('<blockquote lang="es">');
    expect(html).toContain('<blockquote lang="es-ES">');
    expect(html).toMatch(/<div class="answer-text" lang="es">/);
    // Mixed languages: each source keeps its own, the answer none; no language is the archive's default.
    const mixed = await render({ ...es, citations: [cite(1, 'es'), cite(2, null)] }, undefined, 'de');
    expect(mixed).toContain('<blockquote lang="de">');
    expect(mixed).toMatch(/<div class="answer-text">/);
  });

  it('lists the nearest passages under a no_answer, each a link to its moment', async () => {
    const near = { n: 1, recording_id: 'fabrica-es', recording_title: 'La fábrica', recorded_at: '1980-05-02', start: 25, end: 40, at: 25, speaker: 'Carmen Vidal', text: 'La huelga empezó en marzo de 1976.', url: '/r/fabrica-es?t=25', moment_ids: ['m1'], language: 'es' };
    const html = await render({ answer: 'El archivo no contiene una respuesta a esta pregunta.', kind: 'no_answer', citations: [], nearest: [near], unsupported: [], routing: null }, '¿Qué consiguieron con la huelga?');
    expect(html).toContain('Nearest passages');
    expect(html).toContain('href="/r/fabrica-es?t=25&amp;q=');
    expect(html).toContain('<blockquote lang="es">La huelga empezó en marzo de 1976.</blockquote>');
    // Not numbered as a source: nothing in the answer cites it.
    expect(html).not.toContain('id="cite-1"');
  });

  it("marks a model's answer, and the archive's no-answer, with the question's language", async () => {
    const none: Answer = { answer: 'Das Archiv enthält keine Antwort auf diese Frage.', kind: 'no_answer', citations: [], unsupported: [], routing: null, language: { code: 'de', source: 'detected' } };
    expect(await render(none, 'Was sagte der Bürgermeister?')).toMatch(/<div class="answer-text" lang="de">/);
    const model: Answer = { ...none, kind: 'generative', answer: 'Die Linie kostet 48 Millionen Mark.' };
    expect(await render(model, 'Was kostet die Linie?')).toMatch(/<div class="answer-text" lang="de">/);
    // An answer stored before answers said their language: unmarked, as before.
    expect(await render({ ...model, language: undefined }, 'Was kostet die Linie?')).toMatch(/<div class="answer-text">/);
  });

  it('tells apart two quotes of one passage by where each opens, as their links do', async () => {
    const passage = { recording_id: 'docks', recording_title: 'Docks', recorded_at: null, start: 267.3, end: 293.5, speaker: 'Frank Mulvey', text: 'I am getting to it. There was a mass meeting. Every docker in the port.', moment_ids: ['m12'], language: null };
    const a: Answer = {
      answer: 'Frank Mulvey: "Every docker in the port." [1]\nFrank Mulvey: "There was a mass meeting." [2]\nFrank Mulvey: "I am getting to it." [3]',
      kind: 'extractive',
      citations: [{ ...passage, n: 1, at: 285.2, url: '/r/docks?t=285.2' }, { ...passage, n: 2, at: 276, url: '/r/docks?t=276' }, { ...passage, n: 3, at: 267.3, url: '/r/docks?t=267.3' }],
      unsupported: [],
      routing: null,
    };
    const html = await render(a, 'Why did the dockers strike?');
    const meta = (n: number) => html.match(new RegExp(`id="cite-${n}"[^]*?<p class="meta">([^]*?)</p>`))?.[1].replace(/<[^>]+>/g, '') ?? '';
    expect(meta(1)).toContain('4:27–4:53, opens at 4:45');
    expect(meta(2)).toContain('4:27–4:53, opens at 4:36');
    // One that opens where the passage starts says nothing more.
    expect(meta(3)).toContain('4:27–4:53 ·');
    expect(meta(3)).not.toContain('opens at');
  });

  it('marks in each source the sentence its quote took, so two sources of one passage show which words each is', async () => {
    const passage = { recording_id: 'docks', recording_title: 'Docks', recorded_at: null, start: 267.3, end: 293.5, speaker: 'Frank Mulvey', text: 'I am getting to it. There was a mass meeting. Every docker in the port said "out".', moment_ids: ['m12'], language: null };
    const a: Answer = {
      answer: 'Frank Mulvey: "Every docker in the port said "out"." [1]\nNora: "There was a mass meeting." [2]',
      kind: 'extractive',
      citations: [
        { ...passage, n: 1, at: 285.2, url: '/r/docks?t=285.2', quote: 'Every docker in the port said "out".' },
        { ...passage, n: 2, at: 276, url: '/r/docks?t=276', quote: 'There was a mass meeting.' },
      ],
      unsupported: [],
      routing: null,
    };
    const html = await render(a, 'Why did the dockers strike?');
    const quote = (n: number) => html.match(new RegExp(`id="cite-${n}"[^]*?<blockquote[^>]*>([^]*?)</blockquote>`))?.[1] ?? '';
    expect(quote(1)).toBe('I am getting to it. There was a mass meeting. <mark class="quoted">Every docker in the port said &quot;out&quot;.</mark>');
    expect(quote(2)).toBe('I am getting to it. <mark class="quoted">There was a mass meeting.</mark> Every docker in the port said &quot;out&quot;.');
    // A transcript spaced as its corpus writes it ("we 're", " , ") is quoted as read: the mark spans its own spacing.
    const spaced = { ...a.citations[0], text: "OK . We 're gonna have to , uh , figure it out . Right .", quote: "We're gonna have to, uh, figure it out." };
    const spacedHtml = await render({ ...a, citations: [spaced] }, 'Why did the dockers strike?');
    expect(spacedHtml.match(/<blockquote[^>]*>([^]*?)<\/blockquote>/)?.[1]).toBe('OK . <mark class="quoted">We &#39;re gonna have to , uh , figure it out .</mark> Right .');
    // A model's answer quotes nothing verbatim: its sources are shown as they are.
    const model = await render({ ...a, kind: 'generative', answer: 'There was a mass meeting [2].', citations: a.citations.map(({ quote: _, ...c }) => c) }, 'Why did the dockers strike?');
    expect(model).not.toContain('<mark');
  });
});

