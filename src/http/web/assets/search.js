// Search page: "/" focuses the query box; a busy state while the next page of results loads.
// The page is a plain GET form and works the same without this script.
const q = document.getElementById('q');
const form = document.querySelector('form.search');

document.addEventListener('keydown', (e) => {
  if (e.key !== '/' || e.metaKey || e.ctrlKey || e.altKey) return;
  const t = e.target;
  if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  e.preventDefault();
  q?.focus();
  q?.select();
});

form?.addEventListener('submit', () => {
  // Empty filters stay out of the URL, so links to results stay short.
  for (const input of form.querySelectorAll('input, select')) {
    if (input.name && input.name !== 'q' && !input.value) input.disabled = true;
  }
  if (form.mode?.value === 'hybrid') form.mode.disabled = true;
  document.querySelector('.results')?.setAttribute('aria-busy', 'true');
});
// Coming back with the history buttons shows the form as it was, usable.
addEventListener('pageshow', () => {
  for (const input of form?.querySelectorAll('[disabled]') ?? []) input.disabled = false;
});
