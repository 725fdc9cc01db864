// Topics: sizes and rates; a topic's partitions (offsets, sizes, segments) and configs.
import htm from 'htm';
import { h } from 'preact';
import { useRef } from 'preact/hooks';
import { formatBytes, get } from './api.js';
import { LongName } from './long-name.js';
import { usePoll } from './poll.js';

const html = htm.bind(h);

export function Topics() {
  const previous = useRef(new Map());
  const [state, error] = usePoll(async () => {
    const list = await get('/topics');
    const now = Date.now();
    const rates = new Map();
    for (const t of list.data) {
      const before = previous.current.get(t.topic_name);
      rates.set(t.topic_name, before ? ((t.records - before.records) * 1000) / (now - before.at) : null);
      previous.current.set(t.topic_name, { records: t.records, at: now });
    }
    return { topics: list.data, rates };
  }, 3000);
  return html`
    <h2>Topics</h2>
    ${error && html`<p class="error">${error}</p>`}
    <table data-testid="topics">
      <tr><th>topic</th><th class="num">partitions</th><th class="num">records</th><th class="num">size</th><th class="num">records/s</th><th></th></tr>
      ${state?.topics.map(
        (t) => html`<tr>
          <td><${LongName} href="#/topics/${encodeURIComponent(t.topic_name)}" name=${t.topic_name} />${t.is_internal ? html` <span class="muted">(internal)</span>` : ''}</td>
          <td class="num">${t.partitions_count}</td>
          <td class="num">${t.records}</td>
          <td class="num">${formatBytes(t.size_bytes)}</td>
          <td class="num">${state.rates.get(t.topic_name)?.toFixed(1) ?? '–'}</td>
          <td><a href="#/browser/${encodeURIComponent(t.topic_name)}">browse</a></td>
        </tr>`,
      )}
    </table>
  `;
}

export function TopicDetail({ name }) {
  const path = `/topics/${encodeURIComponent(name)}`;
  const [partitions, error] = usePoll(() => get(`${path}/partitions`), 3000, [name]);
  const [configs] = usePoll(() => get(`${path}/configs`), 30_000, [name]);
  return html`
    <h2>Topic <${LongName} name=${name} /></h2>
    ${error && html`<p class="error">${error}</p>`}
    <p><a href="#/browser/${encodeURIComponent(name)}">Browse messages</a></p>
    <table data-testid="partitions">
      <tr><th class="num">partition</th><th class="num">log start</th><th class="num">high watermark</th><th class="num">log end</th><th class="num">size</th><th class="num">segments</th></tr>
      ${partitions?.data.map(
        (p) => html`<tr>
          <td class="num">${p.partition_id}</td><td class="num">${p.log_start_offset}</td>
          <td class="num">${p.high_watermark}</td><td class="num">${p.log_end_offset}</td>
          <td class="num">${formatBytes(p.size_bytes)}</td><td class="num">${p.segments}</td>
        </tr>`,
      )}
    </table>
    <h2>Configs</h2>
    <table>
      <tr><th>name</th><th>value</th><th>source</th></tr>
      ${configs?.data.map((c) => html`<tr><td>${c.name}</td><td>${c.value}</td><td>${c.source}</td></tr>`)}
    </table>
  `;
}
