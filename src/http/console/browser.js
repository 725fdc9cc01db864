// The message browser: a partition's latest records as soon as it is chosen, or from an offset or a time;
// pages forward and back, JSON/text/hex views, a key/value/header search over a bounded window, and a form
// to produce a test message.
import htm from 'htm';
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post } from './api.js';
import { base64OfText, bytesOfBase64 as bytesOf } from './base64.js';

const html = htm.bind(h);
const PAGE = 50;
/** Records a search scans from the current offset. */
const SEARCH_WINDOW = 1000;

const text = (bytes) => new TextDecoder().decode(bytes);

function show(value, view) {
  if (value === null) return html`<span class="muted">null</span>`;
  const bytes = bytesOf(value.data);
  if (view === 'hex') return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const decoded = text(bytes);
  if (view === 'json') {
    try {
      return JSON.stringify(JSON.parse(decoded), null, 2);
    } catch {
      return decoded;
    }
  }
  return decoded;
}

function matches(record, needle) {
  const hay = [record.key, record.value].filter(Boolean).map((v) => text(bytesOf(v.data)));
  for (const header of record.headers) hay.push(header.name, header.value ? text(bytesOf(header.value)) : '');
  return hay.some((s) => s.includes(needle));
}

export function Browser({ initialTopic }) {
  const [topics, setTopics] = useState([]);
  const [topic, setTopic] = useState(initialTopic ?? '');
  const [partitions, setPartitions] = useState(0);
  const [partition, setPartition] = useState(0);
  const [mode, setMode] = useState('offset');
  const [offset, setOffset] = useState('0');
  const [time, setTime] = useState('');
  const [view, setView] = useState('json');
  const [page, setPage] = useState(null);
  const [back, setBack] = useState([]);
  const [needle, setNeedle] = useState('');
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  const [produced, setProduced] = useState(null);

  // The address names the topic: going from #/browser/a to #/browser/b keeps this component (the same page)
  // and changes only initialTopic, which must then change the topic shown.
  useEffect(() => {
    if (initialTopic !== undefined) setTopic(initialTopic);
  }, [initialTopic]);
  useEffect(() => {
    get('/topics').then((list) => {
      const names = list.data.filter((t) => !t.is_internal);
      setTopics(names);
      if (!topic && names[0]) setTopic(names[0].topic_name);
    }, (e) => setError(e.message));
  }, []);
  const partitionPath = (at) => `/topics/${encodeURIComponent(at.topic)}/partitions/${at.partition}`;
  // Each load counts: only the answer of the latest one is shown (a partition chosen while the last one's
  // records were on their way must not have them shown under its name).
  const loads = useRef(0);
  /**
   * Shows up to `count` records of `at` (default: the chosen partition) from the offset or time `query()`
   * resolves to.
   */
  const showPage = async (query, history, at = { topic, partition }, count = PAGE) => {
    const load = ++loads.current;
    setError(null);
    setFound(null);
    try {
      const from = await query();
      if (load !== loads.current) return;
      const result = await get(`${partitionPath(at)}/records?${from}&max_count=${count}&format=BINARY`);
      if (load !== loads.current) return;
      setPage(result);
      setBack(history);
    } catch (e) {
      if (load === loads.current) setError(e.message);
    }
  };
  const load = (query, history, count) => showPage(async () => query, history, undefined, count);
  /** The last PAGE records of a partition (or all it has): what a person opening the page wants to see. */
  const showLatest = (at) =>
    showPage(
      async () => {
        const p = await get(partitionPath(at));
        return `offset=${Math.max(p.log_start_offset, p.high_watermark - PAGE)}`;
      },
      [],
      at,
    );
  useEffect(() => {
    const t = topics.find((x) => x.topic_name === topic);
    setPartitions(t ? t.partitions_count : 0);
    setPartition(0);
    if (t) showLatest({ topic, partition: 0 });
  }, [topic, topics]);
  const choosePartition = (p) => {
    setPartition(p);
    showLatest({ topic, partition: p });
  };

  const path = () => `${partitionPath({ topic, partition })}/records`;
  const start = (event) => {
    event.preventDefault();
    if (mode === 'time' && time) load(`timestamp=${encodeURIComponent(new Date(time).toISOString())}`, []);
    else load(`offset=${Number(offset) || 0}`, []);
  };
  const next = () => load(`offset=${page.next_offset}`, [...back, page.from_offset]);
  // Back where Next came from; from the latest records (no history), the PAGE offsets before them.
  const previous = () => {
    if (back.length > 0) return load(`offset=${back[back.length - 1]}`, back.slice(0, -1));
    const from = Math.max(page.log_start_offset, page.from_offset - PAGE);
    return load(`offset=${from}`, [], page.from_offset - from);
  };
  const atStart = () => back.length === 0 && page.from_offset <= page.log_start_offset;
  const search = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const from = page?.from_offset ?? (Number(offset) || 0);
      const window = await get(`${path()}?offset=${from}&max_count=${SEARCH_WINDOW}&format=BINARY`);
      setFound({ from, to: window.next_offset, records: window.data.filter((r) => matches(r, needle)) });
    } catch (e) {
      setError(e.message);
    }
  };
  const produce = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const headerName = form.get('header');
    try {
      const result = await post(`/topics/${encodeURIComponent(topic)}/records`, {
        partition_id: partition,
        key: form.get('key') ? { type: 'STRING', data: form.get('key') } : null,
        value: { type: 'STRING', data: form.get('value') },
        headers: headerName ? [{ name: headerName, value: base64OfText(form.get('headerValue') ?? '') }] : [],
      });
      setProduced(`stored at ${topic}-${result.partition_id} offset ${result.offset}`);
    } catch (e) {
      setProduced(`failed: ${e.message}`);
    }
  };

  const rows = found ? found.records : (page?.data ?? []);
  return html`
    <h2>Messages</h2>
    <form onSubmit=${start}>
      <label>topic<select name="topic" class="long-name" title=${topic} value=${topic} onChange=${(e) => setTopic(e.target.value)}>
        ${topics.map((t) => html`<option value=${t.topic_name} title=${t.topic_name}>${t.topic_name}</option>`)}
      </select></label>
      <label>partition<select name="partition" value=${partition} onChange=${(e) => choosePartition(Number(e.target.value))}>
        ${Array.from({ length: partitions }, (_, p) => html`<option value=${p}>${p}</option>`)}
      </select></label>
      <label>from<select name="mode" value=${mode} onChange=${(e) => setMode(e.target.value)}>
        <option value="offset">offset</option><option value="time">time</option>
      </select></label>
      ${
        mode === 'offset'
          ? html`<label>offset<input name="offset" type="number" min="0" value=${offset} onInput=${(e) => setOffset(e.target.value)} /></label>`
          : html`<label>time<input name="time" type="datetime-local" step="1" value=${time} onInput=${(e) => setTime(e.target.value)} /></label>`
      }
      <button type="submit">Show</button>
      <label>view<select name="view" value=${view} onChange=${(e) => setView(e.target.value)}>
        <option value="json">JSON</option><option value="text">text</option><option value="hex">hex</option>
      </select></label>
    </form>
    ${error && html`<p class="error">${error}</p>`}
    ${
      page &&
      html`<div class="bar">
        <button onClick=${previous} disabled=${atStart()}>← Previous</button>
        <button onClick=${next} disabled=${page.next_offset >= page.high_watermark}>Next →</button>
        <span class="muted">${page.next_offset > page.from_offset ? `offsets ${page.from_offset}–${page.next_offset - 1}` : 'no records'} of ${page.high_watermark > page.log_start_offset ? `${page.log_start_offset}–${page.high_watermark - 1}` : 'an empty partition'}</span>
      </div>
      <form onSubmit=${search}>
        <label>search key, value, headers<input name="search" value=${needle} onInput=${(e) => setNeedle(e.target.value)} /></label>
        <button type="submit">Search next ${SEARCH_WINDOW}</button>
        ${found && html`<span class="muted">${found.records.length} match(es) in offsets ${found.from}–${found.to - 1}</span> <button type="button" onClick=${() => setFound(null)}>Clear</button>`}
      </form>`
    }
    <table data-testid="records">
      <tr><th class="num">offset</th><th>timestamp</th><th>key</th><th>value</th><th>headers</th></tr>
      ${rows.map(
        (r) => html`<tr>
          <td class="num">${r.offset}</td><td>${r.timestamp}</td>
          <td><pre>${show(r.key, view === 'hex' ? 'hex' : 'text')}</pre></td>
          <td><pre>${show(r.value, view)}</pre></td>
          <td>${r.headers.map((hd) => html`<div>${hd.name}: ${hd.value === null ? 'null' : show({ data: hd.value }, 'text')}</div>`)}</td>
        </tr>`,
      )}
    </table>
    <h2>Produce a test message</h2>
    <form onSubmit=${produce}>
      <label>key<input name="key" /></label>
      <label>value<input name="value" required /></label>
      <label>header<input name="header" /></label>
      <label>header value<input name="headerValue" /></label>
      <button type="submit" disabled=${!topic} title=${`${topic}-${partition}`}>Produce to <span class="long-name">${topic || '…'}</span>-${partition}</button>
      ${produced && html`<span data-testid="produced">${produced}</span>`}
    </form>
  `;
}
