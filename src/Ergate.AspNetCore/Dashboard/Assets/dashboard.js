// Reloads the live part of a dashboard page every few seconds, without reloading the page:
// the server renders the part (every value HTML-encoded) and it replaces the old one. A part
// with a form being filled in is left alone until the form is sent.
(() => {
  const live = document.getElementById('live');
  const state = document.getElementById('live-state');
  if (!live) return;
  const every = Number(live.dataset.refresh) || 1000;
  const editing = () => [...live.querySelectorAll('input:not([type=hidden]), textarea')]
    .some(field => field.value !== field.defaultValue || field === document.activeElement);
  let busy = false;
  async function refresh() {
    if (busy || document.hidden || editing()) return;
    busy = true;
    try {
      const url = new URL(location.href);
      url.searchParams.set('fragment', 'live');
      const answer = await fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } });
      if (!answer.ok) throw new Error(answer.status);
      const html = await answer.text();
      if (!editing()) live.innerHTML = html;
      state?.classList.remove('stale');
    } catch {
      state?.classList.add('stale');
    } finally {
      busy = false;
    }
  }
  setInterval(refresh, every);
})();
