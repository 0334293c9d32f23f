// Recording page: keeps the highlighted transcript line on the moment, follows playback when there is audio,
// and makes lines, chapters, hits and the timeline seek. Without this script the page works through links.
const article = document.querySelector('article.recording');
const lines = [...document.querySelectorAll('.transcript .line')];
const starts = lines.map((l) => Number(l.dataset.start));
const ends = lines.map((l) => Number(l.dataset.end));
const player = document.getElementById('player');
const follow = document.getElementById('follow');
const timeline = document.querySelector('.timeline');
const playhead = document.querySelector('.playhead');
const duration = Number(timeline?.dataset.duration) || 1;
let current = lines.findIndex((l) => l.getAttribute('aria-current') === 'true');

/** The line that holds t; in a pause between turns, the one that follows (as the server decides). */
function indexAt(t) {
  let lo = 0;
  let hi = lines.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found >= 0 && t < ends[found]) return found;
  // Overlapping turns: an earlier line may still hold t.
  for (let i = found - 1; i >= 0 && i >= found - 5; i--) if (starts[i] <= t && t < ends[i]) return i;
  return found + 1 < lines.length ? found + 1 : lines.length - 1;
}

function setCurrent(i, scroll) {
  if (i < 0 || i >= lines.length) return;
  if (i !== current && current >= 0) {
    lines[current].removeAttribute('aria-current');
    lines[current].classList.remove('current');
  }
  current = i;
  lines[i].setAttribute('aria-current', 'true');
  lines[i].classList.add('current');
  if (scroll) lines[i].scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
}

function movePlayhead(t) {
  if (playhead) playhead.style.left = `${Math.min(100, Math.max(0, (t / duration) * 100))}%`;
  markChapter(t);
}

// Chapters: the list entry and the timeline block of the chapter that holds t carry aria-current.
const chapterLinks = [...document.querySelectorAll('nav.chapters a[data-seek], .chapters-track a[data-seek]')];
function markChapter(t) {
  for (const a of chapterLinks) {
    const inside = Number(a.dataset.seek) <= t && t < Number(a.dataset.end);
    if (inside) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  }
}

function remember(t) {
  const url = new URL(location.href);
  url.searchParams.set('t', String(Math.round(t * 10) / 10));
  history.replaceState(null, '', url);
  if (article) article.dataset.t = String(t);
}

/** Moves to t: the audio when there is some, otherwise the highlight and the URL. */
function seek(t, { play = false } = {}) {
  if (player) {
    player.currentTime = t;
    if (play && player.paused) player.play().catch(() => {});
  }
  setCurrent(indexAt(t), true);
  movePlayhead(t);
  remember(t);
}

// Once the title scrolls away, the sticky player bar names the recording.
const title = document.querySelector('.rec-head h1');
const bar = document.querySelector('.player-area');
if (title && bar && 'IntersectionObserver' in window) {
  new IntersectionObserver(([e]) => bar.classList.toggle('stuck', !e.isIntersecting)).observe(title);
}

if (current >= 0) {
  // The server marked the moment's line; bring it into view under the sticky player.
  lines[current].scrollIntoView({ block: 'center' });
}

if (player) {
  document.body.classList.add('has-media');
  const t0 = Number(player.dataset.start) || 0;
  const start = () => {
    if (t0 > 0 && Math.abs(player.currentTime - t0) > 0.01) player.currentTime = t0;
  };
  if (player.readyState >= 1) start();
  else player.addEventListener('loadedmetadata', start, { once: true });
  player.addEventListener('timeupdate', () => {
    const t = player.currentTime;
    movePlayhead(t);
    const i = indexAt(t);
    if (i !== current) setCurrent(i, !follow || follow.checked);
  });
  player.addEventListener('pause', () => remember(player.currentTime));
  player.addEventListener('error', () => {
    const note = document.createElement('p');
    note.className = 'notice warn';
    note.setAttribute('role', 'status');
    note.textContent = 'The audio could not be loaded; the transcript still works.';
    player.replaceWith(note);
    document.body.classList.remove('has-media');
  });
}

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const target = e.target instanceof Element ? e.target : null;
  if (!target) return;
  const seekable = target.closest('[data-seek]');
  if (seekable) {
    e.preventDefault();
    seek(Number(seekable.dataset.seek), { play: !!player && !player.paused });
    return;
  }
  const line = target.closest('.transcript .line');
  if (line) {
    // The time link of a line, or (with audio) anywhere on the line; other links inside keep their meaning.
    const onTs = target.closest('a.ts');
    if (!onTs && (!player || target.closest('a'))) return;
    if (!onTs && window.getSelection()?.toString()) return; // selecting text is not a click to seek
    e.preventDefault();
    seek(Number(line.dataset.start), { play: !!player });
    return;
  }
  const track = target.closest('.turns-track');
  if (track) {
    const box = track.getBoundingClientRect();
    seek(((e.clientX - box.left) / box.width) * duration, { play: !!player && !player.paused });
  }
});
