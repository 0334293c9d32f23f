import { describe, expect, it } from 'vitest';
import { AnswerView, type Answer } from '../../src/http/web/answer.js';

const render = async (a: Answer, question?: string) => String(await AnswerView({ a, question }));

describe('the answer as the web page shows it', () => {
  it('offers a search for the question when the archive gave no answer, so a refusal is not a dead end', async () => {
    const none: Answer = { answer: 'El archivo no contiene una respuesta a esta pregunta.', kind: 'no_answer', citations: [], unsupported: [], routing: null, warnings: [] };
    const html = await render(none, '¿Qué consiguieron con la huelga?');
    expect(html).toContain(`href="/?q=${encodeURIComponent('¿Qué consiguieron con la huelga?').replace(/%20/g, '+')}"`);
    // An answer has its sources instead.
    expect(await render({ ...none, kind: 'extractive', answer: '"Ganamos." [1]' }, '¿Qué consiguieron?')).not.toContain('href="/?q=');
  });
});
