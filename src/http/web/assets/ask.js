// Ask page: streams the answer from POST /v1/ask (server-sent events over fetch, since it is a POST), then
// replaces the streamed text with the verified answer of the `done` event, rendered by the server like the
// no-JS page (/ask/render). Without this script the form posts to /ask and the server renders the answer.
import { sseEvents } from './sse.js';
const form = document.getElementById('ask-form');
const out = document.getElementById('answer');
const submit = document.getElementById('ask-submit');
const stop = document.getElementById('ask-stop');
let controller = null;

const FILTERS = ['from', 'to', 'collection', 'speaker', 'recording'];

function el(tag, attrs = {}, text = '') {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function showError(message) {
  out.replaceChildren(el('p', { class: 'notice error', role: 'alert' }, message));
}

/** A token event's data: a JSON string, an object with the text, or the raw text. */
function tokenText(data) {
  try {
    const v = JSON.parse(data);
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') return v.text ?? v.token ?? v.delta ?? v.content ?? '';
  } catch {
    /* plain text */
  }
  return data;
}

async function showFinal(answer, question) {
  try {
    const res = await fetch('/ask/render', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ answer, question }) });
    if (!res.ok) throw new Error(String(res.status));
    out.innerHTML = await res.text();
  } catch {
    out.replaceChildren(el('div', { class: 'answer-text' }, answer.answer));
  }
  out.removeAttribute('aria-busy');
}

async function ask(body) {
  controller?.abort();
  controller = new AbortController();
  const live = el('div', { class: 'answer-live', 'aria-busy': 'true' });
  out.replaceChildren(el('p', { class: 'kind muted' }, 'Searching the archive and writing an answer… (checked against the passages once it is complete)'), live);
  out.setAttribute('aria-busy', 'true');
  submit.disabled = true;
  stop.hidden = false;
  try {
    const res = await fetch('/v1/ask', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    if (!res.ok) {
      const err = await res.json().catch(() => null);
      return showError(res.status === 404 && !err?.error?.message?.includes('recording') ? 'Answering is not available on this server.' : (err?.error?.message ?? `The server answered ${res.status}.`));
    }
    if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return showFinal(await res.json(), body.question);
    for await (const { event, data } of sseEvents(res.body)) {
      if (event === 'token') live.textContent += tokenText(data);
      else if (event === 'done') return showFinal(JSON.parse(data), body.question);
      else if (event === 'error') {
        let message = data;
        try {
          message = JSON.parse(data)?.error?.message ?? JSON.parse(data)?.message ?? data;
        } catch {
          /* plain text */
        }
        return showError(message || 'The answer failed.');
      }
    }
    live.removeAttribute('aria-busy');
    out.prepend(el('p', { class: 'notice warn' }, 'The answer stream ended before the checked answer arrived; the text below is unverified.'));
  } catch (err) {
    if (err.name === 'AbortError') {
      out.querySelector('.answer-live')?.removeAttribute('aria-busy');
      out.prepend(el('p', { class: 'notice warn' }, 'Stopped. The text below is unverified.'));
    } else showError(`The answer failed: ${err.message}`);
  } finally {
    out.removeAttribute('aria-busy');
    submit.disabled = false;
    stop.hidden = true;
  }
}

form?.addEventListener('submit', (e) => {
  e.preventDefault();
  const fd = new FormData(form);
  const body = { question: String(fd.get('question') ?? '').trim() };
  if (!body.question) return;
  for (const k of FILTERS) {
    const v = String(fd.get(k) ?? '').trim();
    if (v) body[k] = v;
  }
  const url = new URL(location.href);
  url.search = new URLSearchParams(body).toString();
  history.replaceState(null, '', url);
  ask(body);
});
stop?.addEventListener('click', () => controller?.abort());

// The address written above is a link to the answer: opened (shared, bookmarked, reloaded), it asks again, with the
// question and filters the server filled the form with from it (from q= too, as the search's address writes it).
const opened = new URLSearchParams(location.search);
if (form && (opened.get('question') ?? opened.get('q'))?.trim()) form.requestSubmit();
