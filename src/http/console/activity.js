// The activity log (`__activity`): the latest events, filtered by principal and type, updating live (new
// events are fetched after the last offset seen, every 2 s).
import htm from 'htm';
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from './api.js';

const html = htm.bind(h);
const KEEP = 500;

function query(filters, after) {
  const q = new URLSearchParams({ max_count: '200' });
  if (filters.principal) q.set('principal', filters.principal);
  if (filters.type) q.set('type', filters.type);
  if (after !== undefined) q.set('after_offset', String(after));
  return `/activity?${q}`;
}

export function Activity() {
  const [form, setForm] = useState({ principal: '', type: '' });
  const [filters, setFilters] = useState({ principal: '', type: '' });
  const [events, setEvents] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stopped = false;
    let last;
    setEvents([]);
    const tick = async () => {
      try {
        const page = await get(query(filters, last));
        if (stopped) return;
        last = page.last_offset;
        if (page.data.length > 0) setEvents((old) => [...page.data.reverse(), ...old].slice(0, KEEP));
        setError(null);
      } catch (e) {
        if (!stopped) setError(e.message);
      }
    };
    tick();
    const timer = setInterval(tick, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [filters.principal, filters.type]);
  const set = (key) => (e) => setForm({ ...form, [key]: e.target.value });
  const apply = (e) => {
    e.preventDefault();
    setFilters({ ...form });
  };
  return html`
    <h2>Activity log</h2>
    <p class="muted">What the broker recorded in <code>__activity</code>: newest first, updating live.</p>
    <form onSubmit=${apply}>
      <label>principal<input name="activity-principal" placeholder="User:alice" value=${form.principal} onInput=${set('principal')} /></label>
      <label>type (or prefix)<input name="activity-type" placeholder="topic." value=${form.type} onInput=${set('type')} /></label>
      <button type="submit">Filter</button>
    </form>
    ${error && html`<p class="error">${error}</p>`}
    <table data-testid="activity">
      <tr><th>time</th><th>type</th><th>outcome</th><th>principal</th><th>client</th><th>resource</th><th>details</th></tr>
      ${events.map(
        (e) => html`<tr>
          <td>${e.time}</td><td>${e.type}</td><td class=${e.outcome === 'success' ? '' : 'error'}>${e.outcome}</td>
          <td>${e.principal ?? '–'}</td><td>${[e.clientId, e.clientHost].filter(Boolean).join(' @ ') || '–'}</td>
          <td>${e.resource ?? '–'}</td><td><pre>${Object.keys(e.details ?? {}).length ? JSON.stringify(e.details) : ''}</pre></td>
        </tr>`,
      )}
    </table>
  `;
}
