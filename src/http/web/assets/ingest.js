// Ingest page: keeps the API key (local storage, sent as an Authorization header, never in a URL), uploads
// without leaving the page (audio straight to POST /v1/recordings with upload progress; transcripts and manifests
// through POST /ingest), follows a job live (server-sent events, polling when they are unavailable) with its
// stages and a progress bar, and retries: a failed upload is sent again, a failed media job is run again
// (POST /v1/jobs/:id/retry). Without this script the forms post to /ingest and the job page refreshes itself.
import { sseEvents } from './sse.js';
const result = document.getElementById('ingest-result');
const keyInput = document.getElementById('api-key');
const keyState = document.getElementById('api-key-state');
const STORAGE = keyInput?.dataset.storage || 'speech-archive.api-key';
let last = null; // the last upload ({form, fd}), for Retry

const TERMINAL = new Set(['succeeded', 'failed']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function storedKey() {
  try {
    return localStorage.getItem(STORAGE) || '';
  } catch {
    return '';
  }
}
/** The key to send: what the field holds now (the page may have been edited since it was stored). */
function apiKey() {
  return (keyInput ? keyInput.value : storedKey()).trim();
}
function authHeaders(extra = {}) {
  const k = apiKey();
  return k ? { ...extra, Authorization: `Bearer ${k}` } : extra;
}
function showKeyState() {
  if (!keyState) return;
  keyState.textContent = apiKey() ? 'Kept in this browser; sent with every upload.' : 'No key: uploads work only if this server allows public writes.';
}
if (keyInput) {
  keyInput.value = storedKey();
  keyInput.addEventListener('input', () => {
    const k = keyInput.value.trim();
    try {
      if (k) localStorage.setItem(STORAGE, k);
      else localStorage.removeItem(STORAGE);
    } catch {
      // storage unavailable (private mode): the key still works for this page
    }
    showKeyState();
  });
  document.getElementById('api-key-forget')?.addEventListener('click', () => {
    keyInput.value = '';
    try {
      localStorage.removeItem(STORAGE);
    } catch {}
    showKeyState();
    keyInput.focus();
  });
  showKeyState();
}

function busy(on) {
  if (on) result.setAttribute('aria-busy', 'true');
  else result.removeAttribute('aria-busy');
  for (const b of document.querySelectorAll('form.ingest button')) b.disabled = on;
}

function failureCard(message) {
  const card = document.createElement('div');
  card.className = 'card failure';
  card.setAttribute('role', 'alert');
  card.innerHTML = '<h2>Upload failed</h2><p class="reason"></p><button type="button" class="retry">Retry</button>';
  card.querySelector('.reason').textContent = message;
  return card;
}

/** The server's rendering of an API answer (the same panel a form post shows). */
async function renderResult(status, body, job) {
  const res = await fetch('/ingest/render', {
    method: 'POST',
    headers: authHeaders({ 'Content-Type': 'application/json' }),
    body: JSON.stringify({ status, result: body ?? { error: { message: `the server answered ${status}` } }, job }),
  });
  return res.text();
}

/** POST with upload progress (fetch has none), answering {status, body}. */
function postWithProgress(url, fd, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener('error', () => reject(new Error('the connection failed')));
    xhr.addEventListener('abort', () => reject(new Error('the upload was cancelled')));
    xhr.send(fd);
  });
}

async function send(form, fd) {
  last = { form, fd };
  busy(true);
  result.innerHTML = '<div class="card"><p>Uploading…</p><p class="upload-progress"><progress aria-label="Uploading" max="100"></progress><span class="upload-pct"></span></p></div>';
  try {
    if (form.dataset.target) {
      // Audio and video go straight to the API, streamed to storage there.
      const direct = new FormData();
      for (const [k, v] of fd.entries()) if (k !== 'kind') direct.append(k, v);
      const bar = result.querySelector('progress');
      const pct = result.querySelector('.upload-pct');
      const { status, body } = await postWithProgress(form.dataset.target, direct, (f) => {
        bar.value = Math.round(f * 100);
        pct.textContent = `${Math.round(f * 100)}%`;
      });
      result.innerHTML = await renderResult(status, body);
    } else {
      const res = await fetch('/ingest?fragment=1', { method: 'POST', body: fd, headers: authHeaders() });
      result.innerHTML = await res.text();
    }
  } catch (err) {
    result.replaceChildren(failureCard(`The server could not be reached: ${err.message}`));
  } finally {
    busy(false);
  }
  wire(result);
}

/** Runs a failed media job again, then follows it. */
async function retryJob(id, panel) {
  busy(true);
  try {
    const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}/retry`, { method: 'POST', headers: authHeaders({ Accept: 'application/json' }) });
    const body = await res.json().catch(() => null);
    if (res.ok) {
      const frag = await fetch(`/ingest/jobs/${encodeURIComponent(id)}?fragment=1`, { headers: authHeaders() });
      result.innerHTML = await frag.text();
    } else {
      result.innerHTML = await renderResult(res.status, body, id);
    }
  } catch (err) {
    panel.replaceWith(failureCard(`The server could not be reached: ${err.message}`));
  } finally {
    busy(false);
  }
  wire(result);
}

function wire(root) {
  for (const btn of root.querySelectorAll('button.retry')) {
    const job = btn.dataset.jobId;
    if (!job && !last) continue; // no files in memory (e.g. the job page): Retry goes back to the form
    btn.addEventListener('click', (e) => {
      e.preventDefault();
      if (job) retryJob(job, btn.closest('.card') ?? btn);
      else send(last.form, last.fd);
    });
  }
  const job = root.querySelector('.job[data-job-id]');
  if (job && !TERMINAL.has(job.dataset.status)) follow(job);
}

const STAGE_WORDS = { pending: 'waiting', done: 'done', failed: 'failed', partial: 'done, with gaps' };

function update(el, job) {
  el.dataset.status = job.status;
  const pct = Math.round((job.status === 'succeeded' ? 1 : Number(job.progress) || 0) * 100);
  el.querySelector('.job-status').textContent = job.status;
  el.querySelector('progress').value = pct;
  el.querySelector('.job-pct').textContent = `${pct}%`;
  const stage = el.querySelector('.job-stage');
  if (stage) stage.textContent = job.stage && !TERMINAL.has(job.status) ? ` (${job.stage})` : '';
  const list = el.querySelector('.stages');
  if (list && Array.isArray(job.stages)) {
    for (const st of job.stages) {
      const li = list.querySelector(`li[data-stage="${st.stage}"]`);
      if (!li) continue;
      li.dataset.status = st.status;
      const running = st.status === 'running' || (st.status === 'pending' && st.progress > 0);
      li.querySelector('.stage-state').textContent = running ? `${Math.round(st.progress * 100)}%` : (STAGE_WORDS[st.status] ?? st.status);
    }
  }
}

/** Replaces the job panel with the server's rendering of the finished job (counts, links, failures, Retry). */
async function finish(el, id) {
  const res = await fetch(`/ingest/jobs/${encodeURIComponent(id)}?fragment=1`, { headers: authHeaders() });
  if (!res.ok) return;
  const box = document.createElement('div');
  box.innerHTML = await res.text();
  const done = box.firstElementChild;
  if (!done) return;
  el.replaceWith(done);
  wire(done.parentElement ?? result);
}

/**
 * Follows the job's server-sent events. Read with fetch rather than EventSource, which cannot send the key:
 * job events need an archivist key. Resolves false when the stream is refused or ends early (then: polling).
 */
async function viaEvents(el, url) {
  const ctrl = new AbortController();
  try {
    const res = await fetch(url, { headers: authHeaders({ Accept: 'text/event-stream' }), signal: ctrl.signal });
    if (!res.ok || !res.body) return false;
    for await (const e of sseEvents(res.body)) {
      let job;
      try {
        job = JSON.parse(e.data);
      } catch {
        continue;
      }
      job = job?.job ?? job;
      if (!job || typeof job.status !== 'string') continue;
      update(el, job);
      if (TERMINAL.has(job.status)) {
        ctrl.abort();
        return true;
      }
    }
    return false;
  } catch {
    return false;
  }
}

async function follow(el) {
  if (el.dataset.following) return;
  el.dataset.following = '1';
  const id = el.dataset.jobId;
  if (el.dataset.events && (await viaEvents(el, el.dataset.events))) return finish(el, id);
  for (let delay = 300; ; delay = Math.min(2000, delay * 1.3)) {
    await sleep(delay);
    if (!el.isConnected) return;
    let job;
    try {
      const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}`, { headers: authHeaders({ Accept: 'application/json' }) });
      if (!res.ok) continue;
      job = await res.json();
    } catch {
      continue;
    }
    update(el, job);
    if (TERMINAL.has(job.status)) return finish(el, id);
  }
}

for (const form of document.querySelectorAll('form.ingest')) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send(form, new FormData(form));
  });
}
if (result) wire(result);
