// The Sluice web console: overview, topics, message browser, consumer groups, queues, dead letters and the
// activity log. Preact + htm, no build step;
// every figure comes from the REST API of the same broker.
import htm from 'htm';
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Activity } from './activity.js';
import { formatBytes, get, request } from './api.js';
import { Browser } from './browser.js';
import { Chart } from './chart.js';
import { GroupDetail, Groups } from './groups.js';
import { usePoll } from './poll.js';
import { DeadLetterDetail, DeadLetters, QueueDetail, Queues } from './queues.js';
import { TopicDetail, Topics } from './topics.js';
import { SignIn } from './sign-in.js';

const html = htm.bind(h);

const HISTORY = 90;

function Overview() {
  const [broker] = usePoll(() => get('/brokers'), 10_000);
  const [rows, setRows] = useState([]);
  const [summary, setSummary] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let last = null;
    let stopped = false;
    const tick = async () => {
      try {
        const s = await request('GET', '/v3/metrics/summary');
        if (stopped) return;
        setSummary(s);
        const t = Date.parse(s.time) / 1000;
        if (last && s.totals && t > last.t) {
          const dt = t - last.t;
          const point = [t, (s.totals.records_in - last.in) / dt, (s.totals.records_out - last.out) / dt];
          setRows((old) => [...old.slice(-HISTORY + 1), point]);
        }
        if (s.totals) last = { t, in: s.totals.records_in, out: s.totals.records_out };
      } catch (e) {
        setError(e.message);
      }
    };
    tick();
    const timer = setInterval(tick, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const b = broker?.data[0];
  return html`
    <h2>Broker</h2>
    ${error && html`<p class="error">${error}</p>`}
    ${b && html`<p>broker ${b.broker_id} at ${b.host}:${b.port}, Sluice ${b.version}, flush ${b.flush}, up ${Math.round(b.uptime_ms / 1000)} s</p>`}
    ${
      summary &&
      html`<div class="cards">
        <div class="card">topics<b data-testid="topic-count">${summary.topics}</b></div>
        <div class="card">partitions<b>${summary.partitions}</b></div>
        <div class="card">segments<b>${summary.segments}</b></div>
        <div class="card">log size<b>${formatBytes(summary.log_size_bytes)}</b></div>
        <div class="card">disk free<b>${formatBytes(summary.disk_free_bytes)}</b> of ${formatBytes(summary.disk_total_bytes)}</div>
        <div class="card">connections<b>${summary.connections ?? '–'}</b></div>
      </div>`
    }
    <h2>Throughput (records/s, live)</h2>
    <${Chart} title="records/s" series=${['in', 'out']} rows=${rows} />
  `;
}

const PAGES = new Set(['overview', 'topics', 'browser', 'groups', 'queues', 'dlq', 'activity']);

/**
 * The page a location hash names: `#/<page>[/<name>]`, the name percent-encoded. A hash that does not decode
 * (`#/topics/%E0%A4%A`, a link cut short) or names no page is the not-found page, not an exception that
 * would leave the whole console blank.
 */
function route(hash) {
  let parts;
  try {
    parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  } catch {
    return { page: 'not-found', problem: 'is not a valid address (a broken %-escape)', hash };
  }
  const page = parts[0] || 'overview';
  if (!PAGES.has(page)) return { page: 'not-found', problem: 'names no page of this console', hash };
  return { page, arg: parts[1] };
}

function NotFound({ hash, problem }) {
  return html`
    <h2>Page not found</h2>
    <p data-testid="not-found"><code>${hash}</code> ${problem}. Go to the <a href="#/overview">overview</a>.</p>
  `;
}

function App() {
  const [where, setWhere] = useState(route(location.hash));
  // null: not asked to sign in (authentication off, or signed in); a string: the form, with that message.
  const [signIn, setSignIn] = useState(null);
  useEffect(() => {
    const on = () => setWhere(route(location.hash));
    // Several requests in flight may each come back 401: the first tells whether credentials were refused.
    const out = (event) =>
      setSignIn((shown) =>
        event.detail.refused ? 'Those credentials were refused.' : (shown ?? 'This broker requires authentication.'),
      );
    addEventListener('hashchange', on);
    addEventListener('sluice:signed-out', out);
    return () => {
      removeEventListener('hashchange', on);
      removeEventListener('sluice:signed-out', out);
    };
  }, []);
  if (signIn !== null) return html`<header><h1>Sluice</h1></header><main><${SignIn} message=${signIn} onSignedIn=${() => setSignIn(null)} /></main>`;
  const link = (page, label) => html`<a href="#/${page}" class=${where.page === page ? 'active' : ''}>${label}</a>`;
  let body;
  if (where.page === 'topics') body = where.arg ? html`<${TopicDetail} name=${where.arg} />` : html`<${Topics} />`;
  else if (where.page === 'browser') body = html`<${Browser} initialTopic=${where.arg} />`;
  else if (where.page === 'groups') body = where.arg ? html`<${GroupDetail} id=${where.arg} />` : html`<${Groups} />`;
  else if (where.page === 'queues') body = where.arg ? html`<${QueueDetail} id=${where.arg} />` : html`<${Queues} />`;
  else if (where.page === 'dlq')
    body = where.arg ? html`<${DeadLetterDetail} topic=${where.arg} />` : html`<${DeadLetters} />`;
  else if (where.page === 'activity') body = html`<${Activity} />`;
  else if (where.page === 'not-found') body = html`<${NotFound} hash=${where.hash} problem=${where.problem} />`;
  else body = html`<${Overview} />`;
  return html`
    <header>
      <h1>Sluice</h1>
      ${link('overview', 'Overview')} ${link('topics', 'Topics')} ${link('browser', 'Messages')}
      ${link('groups', 'Consumer groups')} ${link('queues', 'Queues')} ${link('dlq', 'Dead letters')}
      ${link('activity', 'Activity')} <a href="/docs/">API docs</a>
    </header>
    <main>${body}</main>
  `;
}

render(html`<${App} />`, document.getElementById('app'));
