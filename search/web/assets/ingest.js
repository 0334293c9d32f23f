// Ingest page: uploads without leaving the page, follows a manifest job (server-sent events when the API has
// them, polling /v1/jobs/:id otherwise) with a progress bar, and re-sends the same files on Retry.
// Without this script the forms post to /ingest and the job page refreshes itself.
const result = document.getElementById('ingest-result');
let last = null; // the FormData of the last upload, for Retry

const TERMINAL = new Set(['succeeded', 'failed']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function wire(root) {
  for (const btn of root.querySelectorAll('button.retry')) {
    if (!last) continue; // no files in memory (e.g. the job page): Retry goes back to the form
    btn.addEventListener('click', (e) => {
      e.preventDefault();
      send(last);
    });
  }
  const job = root.querySelector('.job[data-job-id]');
  if (job && !TERMINAL.has(job.dataset.status)) follow(job);
}

async function send(fd) {
  last = fd;
  result.setAttribute('aria-busy', 'true');
  result.innerHTML = '<div class="card"><p>Uploading…</p><progress aria-label="Uploading"></progress></div>';
  for (const b of document.querySelectorAll('form.ingest button')) b.disabled = true;
  try {
    const res = await fetch('/ingest?fragment=1', { method: 'POST', body: fd });
    result.innerHTML = await res.text();
  } catch (err) {
    result.innerHTML = '<div class="card failure" role="alert"><h2>Upload failed</h2><p class="reason"></p><button type="button" class="retry">Retry</button></div>';
    result.querySelector('.reason').textContent = `The server could not be reached: ${err.message}`;
  } finally {
    result.removeAttribute('aria-busy');
    for (const b of document.querySelectorAll('form.ingest button')) b.disabled = false;
  }
  wire(result);
}

function update(el, job) {
  el.dataset.status = job.status;
  const pct = Math.round((job.status === 'succeeded' ? 1 : Number(job.progress) || 0) * 100);
  el.querySelector('.job-status').textContent = job.status;
  el.querySelector('progress').value = pct;
  el.querySelector('.job-pct').textContent = `${pct}%`;
  const stage = el.querySelector('.job-stage');
  if (stage) stage.textContent = job.stage ? ` (${job.stage})` : '';
}

/** Replaces the job panel with the server's rendering of the finished job (counts, failures, Retry). */
async function finish(el, id) {
  const res = await fetch(`/ingest/jobs/${encodeURIComponent(id)}?fragment=1`);
  if (!res.ok) return;
  const box = document.createElement('div');
  box.innerHTML = await res.text();
  const done = box.firstElementChild;
  if (!done) return;
  el.replaceWith(done);
  wire(done.parentElement ?? result);
}

function viaEvents(el, url) {
  return new Promise((resolve) => {
    const es = new EventSource(url);
    const onData = (e) => {
      let job;
      try {
        job = JSON.parse(e.data);
      } catch {
        return;
      }
      job = job?.job ?? job;
      if (!job || typeof job.status !== 'string') return;
      update(el, job);
      if (TERMINAL.has(job.status)) {
        es.close();
        resolve(true);
      }
    };
    for (const name of ['message', 'progress', 'job', 'status', 'done']) es.addEventListener(name, onData);
    es.onerror = () => {
      es.close();
      resolve(false); // fall back to polling
    };
  });
}

async function follow(el) {
  if (el.dataset.following) return;
  el.dataset.following = '1';
  const id = el.dataset.jobId;
  if (el.dataset.events && (await viaEvents(el, el.dataset.events))) return finish(el, id);
  for (let delay = 300; ; delay = Math.min(2000, delay * 1.3)) {
    await sleep(delay);
    let job;
    try {
      const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}`, { headers: { Accept: 'application/json' } });
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
    send(new FormData(form));
  });
}
if (result) wire(result);
