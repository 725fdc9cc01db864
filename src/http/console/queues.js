// Queues: share groups (state, members, per partition the records available, in flight, waiting for a
// retry, their delivery counts and the oldest age) and dead-letter topics (counts, a peek at the failed
// records with their failure headers, and a requeue with a confirmation step).
import htm from 'htm';
import { h } from 'preact';
import { useState } from 'preact/hooks';
import { get, post } from './api.js';
import { LongName } from './long-name.js';
import { usePoll } from './poll.js';

const html = htm.bind(h);

function age(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

function histogram(counts) {
  if (counts.length === 0) return '–';
  return counts.map((c) => `${c.delivery_count}×: ${c.records}`).join(', ');
}

export function Queues() {
  const [list, error] = usePoll(() => get('/share-groups'), 3000);
  return html`
    <h2>Share groups</h2>
    ${error && html`<p class="error">${error}</p>`}
    <table data-testid="share-groups">
      <tr><th>share group</th><th>state</th><th class="num">members</th></tr>
      ${list?.data.map(
        (g) => html`<tr>
          <td><${LongName} href="#/queues/${encodeURIComponent(g.share_group_id)}" name=${g.share_group_id} /></td>
          <td>${g.state}</td><td class="num">${g.members_count}</td>
        </tr>`,
      )}
    </table>
    ${list && list.data.length === 0 && html`<p class="muted">No share groups yet: a share consumer creates one when it subscribes.</p>`}
  `;
}

export function QueueDetail({ id }) {
  const [group, error] = usePoll(() => get(`/share-groups/${encodeURIComponent(id)}`), 2000, [id]);
  const total = (key) => group?.partitions.reduce((n, p) => n + p[key], 0) ?? 0;
  return html`
    <h2>Share group <${LongName} name=${id} /></h2>
    ${error && html`<p class="error">${error}</p>`}
    ${
      group &&
      html`<div class="cards">
        <div class="card">state<b data-testid="queue-state">${group.state}</b></div>
        <div class="card">available<b data-testid="queue-available">${total('available')}</b></div>
        <div class="card">in flight<b data-testid="queue-acquired">${total('acquired')}</b></div>
        <div class="card">waiting for retry<b data-testid="queue-waiting">${total('waiting_for_retry')}</b></div>
      </div>
      <p class="muted">lock ${group.config.lock_timeout_ms} ms, ${group.config.max_attempts} attempts, backoff ${group.config.backoff.type ?? ''} from ${group.config.backoff.initialMs ?? '?'} ms, dead letters to ${group.config.dead_letter_topic ?? '<topic>.dlq'}</p>`
    }
    <h2>Partitions</h2>
    <table data-testid="queue-partitions">
      <tr><th>topic</th><th class="num">partition</th><th class="num">start</th><th class="num">log end</th><th class="num">available</th>
        <th class="num">in flight</th><th class="num">waiting for retry</th><th>delivery counts</th><th class="num">oldest</th></tr>
      ${group?.partitions.map(
        (p) => html`<tr><td><${LongName} name=${p.topic_name} /></td><td class="num">${p.partition_id}</td><td class="num">${p.start_offset}</td>
          <td class="num">${p.log_end_offset}</td><td class="num">${p.available}</td><td class="num">${p.acquired}</td>
          <td class="num">${p.waiting_for_retry}</td><td>${histogram(p.delivery_counts)}</td><td class="num">${age(p.oldest_age_ms)}</td></tr>`,
      )}
    </table>
    <h2>Members</h2>
    <table data-testid="queue-members">
      <tr><th>member</th><th>client</th><th>host</th><th>topics</th><th class="num">held / max in flight</th></tr>
      ${group?.members.map(
        (m) => html`<tr><td>${m.member_id}</td><td>${m.client_id}</td><td>${m.client_host}</td><td>${m.topics.join(', ')}</td>
          <td class="num">${m.held} / ${m.max_in_flight}</td></tr>`,
      )}
    </table>
  `;
}

export function DeadLetters() {
  const [list, error] = usePoll(() => get('/dlqs'), 3000);
  return html`
    <h2>Dead-letter topics</h2>
    ${error && html`<p class="error">${error}</p>`}
    <table data-testid="dlqs">
      <tr><th>topic</th><th class="num">partitions</th><th class="num">records</th><th class="num">not requeued</th></tr>
      ${list?.data.map(
        (d) => html`<tr>
          <td><${LongName} href="#/dlq/${encodeURIComponent(d.topic_name)}" name=${d.topic_name} /></td>
          <td class="num">${d.partitions_count}</td><td class="num">${d.records}</td><td class="num">${d.not_requeued}</td>
        </tr>`,
      )}
    </table>
    ${list && list.data.length === 0 && html`<p class="muted">No dead letters: share groups write failed records to &lt;topic&gt;.dlq.</p>`}
  `;
}

function Requeue({ topic, onDone }) {
  const [form, setForm] = useState({ to: '', filterName: '', filterValue: '', max: '' });
  const [confirming, setConfirming] = useState(null);
  const [result, setResult] = useState(null);
  const set = (key) => (e) => setForm({ ...form, [key]: e.target.value });
  const body = (dryRun) => {
    const b = { dry_run: dryRun };
    if (form.to) b.to = form.to;
    if (form.filterName) b.filter = [{ name: form.filterName, value: form.filterValue }];
    if (form.max) b.max = Number(form.max);
    return b;
  };
  const path = `/dlqs/${encodeURIComponent(topic)}/records:requeue`;
  const describe = (r) =>
    `${r.requeued} record(s) ${r.dry_run ? 'would be requeued' : 'requeued'}${r.by_source.map((s) => ` (${s.records} from ${s.source_topic} to ${s.target_topic})`).join('')}${r.already_requeued ? `; ${r.already_requeued} already requeued earlier` : ''}${r.not_matching ? `; ${r.not_matching} not matching the filter` : ''}${r.problems.length ? `; ${r.problems.join('; ')}` : ''}`;
  const ask = async () => {
    setResult(null);
    try {
      setConfirming(await post(path, body(true)));
    } catch (e) {
      setResult(html`<span class="error" data-testid="requeue-result">${e.message}</span>`);
    }
  };
  const run = async () => {
    setConfirming(null);
    try {
      const done = await post(path, body(false));
      setResult(html`<span class=${done.problems.length ? 'error' : 'ok'} data-testid="requeue-result">${describe(done)}</span>`);
      onDone();
    } catch (e) {
      setResult(html`<span class="error" data-testid="requeue-result">${e.message}</span>`);
    }
  };
  return html`
    <h2>Requeue</h2>
    <p class="muted">Copies records back to their source topic (or another), attempts starting again. Each record is moved once, whether from here, the REST API or <code>sluice dlq requeue</code>.</p>
    <div class="bar">
      <label>to topic (default: each record's source)<input name="requeue-to" value=${form.to} onInput=${set('to')} /></label>
      <label>only with header<input name="requeue-filter-name" placeholder="sluice-dlq-group" value=${form.filterName} onInput=${set('filterName')} /></label>
      <label>= value<input name="requeue-filter-value" value=${form.filterValue} onInput=${set('filterValue')} /></label>
      <label>at most<input name="requeue-max" type="number" min="1" value=${form.max} onInput=${set('max')} /></label>
      ${
        confirming
          ? html`<span data-testid="requeue-confirm">${describe(confirming)}. Go ahead?</span>
              <button onClick=${run} disabled=${confirming.requeued === 0}>Confirm requeue</button><button onClick=${() => setConfirming(null)}>Cancel</button>`
          : html`<button onClick=${ask}>Requeue…</button>`
      }
      ${result}
    </div>
  `;
}

function text(v) {
  if (v === null || v === undefined) return '(null)';
  return v.type === 'JSON' ? JSON.stringify(v.data) : v.type === 'BINARY' ? `base64 ${v.data}` : v.data;
}

export function DeadLetterDetail({ topic }) {
  const [tick, setTick] = useState(0);
  const [partition, setPartition] = useState(0);
  const [info] = usePoll(() => get(`/topics/${encodeURIComponent(topic)}`), 10_000, [topic]);
  const [peek, error] = usePoll(
    () => get(`/dlqs/${encodeURIComponent(topic)}/records?partition_id=${partition}&max_count=50`),
    3000,
    [topic, partition, tick],
  );
  return html`
    <h2>Dead letters in <${LongName} name=${topic} /></h2>
    ${error && html`<p class="error">${error}</p>`}
    <div class="bar">
      <label>partition<select name="dlq-partition" value=${partition} onChange=${(e) => setPartition(Number(e.target.value))}>
        ${Array.from({ length: info?.partitions_count ?? 1 }, (_, p) => html`<option value=${p}>${p}</option>`)}
      </select></label>
      ${peek && html`<span class="muted">offsets ${peek.log_start_offset}–${peek.high_watermark - 1}, showing the oldest ${peek.data.length}</span>`}
    </div>
    <table data-testid="dead-letters">
      <tr><th class="num">offset</th><th>source</th><th>group</th><th class="num">attempts</th><th>error</th><th>failed at</th><th>key</th><th>value</th><th>requeued</th></tr>
      ${peek?.data.map(
        (r) => html`<tr>
          <td class="num">${r.offset}</td>
          <td>${r.failure.source_topic ?? '–'}${r.failure.source_topic ? `-${r.failure.source_partition ?? '?'}@${r.failure.source_offset ?? '?'}` : ''}</td>
          <td>${r.failure.group ?? '–'}</td><td class="num">${r.failure.attempts ?? '–'}</td>
          <td class="error">${r.failure.error ?? '–'}</td><td>${r.failure.time ?? '–'}</td>
          <td><pre>${text(r.key)}</pre></td><td><pre>${text(r.value)}</pre></td><td>${r.requeued ? 'yes' : 'no'}</td>
        </tr>`,
      )}
    </table>
    <${Requeue} topic=${topic} onDone=${() => setTick(tick + 1)} />
  `;
}
