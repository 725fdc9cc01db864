// Consumer groups: list; a group's members, assignment, lag per partition, lag over time, and an offsets
// reset with a confirmation step.
import htm from 'htm';
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from './api.js';
import { Chart } from './chart.js';
import { LongName } from './long-name.js';
import { usePoll } from './poll.js';

const html = htm.bind(h);
const HISTORY = 90;

export function Groups() {
  const [groups, error] = usePoll(() => get('/consumer-groups'), 3000);
  return html`
    <h2>Consumer groups</h2>
    ${error && html`<p class="error">${error}</p>`}
    <table data-testid="groups">
      <tr><th>group</th><th>state</th><th>assignor</th><th class="num">members</th></tr>
      ${groups?.data.map(
        (g) => html`<tr>
          <td><${LongName} href="#/groups/${encodeURIComponent(g.consumer_group_id)}" name=${g.consumer_group_id} /></td>
          <td>${g.state}</td><td>${g.partition_assignor}</td><td class="num">${g.members_count}</td>
        </tr>`,
      )}
    </table>
  `;
}

function ResetOffsets({ id, topics, onDone }) {
  const [form, setForm] = useState({ topic: topics[0] ?? '', to: 'earliest', offset: '0' });
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState(null);
  useEffect(() => {
    if (!form.topic && topics[0]) setForm({ ...form, topic: topics[0] });
  }, [topics.join(',')]);
  const set = (key) => (e) => setForm({ ...form, [key]: e.target.value });
  const reset = async () => {
    setConfirming(false);
    try {
      const body = { topic_name: form.topic, to: form.to };
      if (form.to === 'offset') body.offset = Number(form.offset);
      const done = await post(`/consumer-groups/${encodeURIComponent(id)}/offsets:reset`, body);
      setResult(html`<span class="ok" data-testid="reset-result">reset: ${done.data.map((o) => `${o.partition_id}→${o.offset}`).join(', ')}</span>`);
      onDone();
    } catch (e) {
      setResult(html`<span class="error" data-testid="reset-result">${e.message}</span>`);
    }
  };
  return html`
    <h2>Reset offsets</h2>
    <p class="muted">Only while the group has no members (stop its consumers first).</p>
    <div class="bar">
      <label>topic<select name="reset-topic" class="long-name" title=${form.topic} value=${form.topic} onChange=${set('topic')}>${topics.map((t) => html`<option value=${t} title=${t}>${t}</option>`)}</select></label>
      <label>to<select name="reset-to" value=${form.to} onChange=${set('to')}>
        <option value="earliest">earliest</option><option value="latest">latest</option><option value="offset">offset</option>
      </select></label>
      ${form.to === 'offset' && html`<label>offset<input name="reset-offset" type="number" min="0" value=${form.offset} onInput=${set('offset')} /></label>`}
      ${
        confirming
          ? html`<span>Move <${LongName} name=${id} />'s offsets of <${LongName} name=${form.topic} /> to ${form.to === 'offset' ? form.offset : form.to}?</span>
              <button onClick=${reset}>Confirm reset</button><button onClick=${() => setConfirming(false)}>Cancel</button>`
          : html`<button onClick=${() => setConfirming(true)} disabled=${!form.topic}>Reset offsets…</button>`
      }
      ${result}
    </div>
  `;
}

export function GroupDetail({ id }) {
  const base = `/consumer-groups/${encodeURIComponent(id)}`;
  const [history, setHistory] = useState([]);
  const [tick, setTick] = useState(0);
  const [state, error] = usePoll(
    async () => {
      const [group, consumers, lags] = await Promise.all([get(base), get(`${base}/consumers`), get(`${base}/lags`)]);
      const total = lags.data.reduce((sum, l) => sum + Math.max(0, l.lag), 0);
      setHistory((old) => [...old.slice(-HISTORY + 1), [Date.now() / 1000, total]]);
      return { group, consumers: consumers.data, lags: lags.data, total };
    },
    2000,
    [id, tick],
  );
  const topics = [...new Set(state?.lags.map((l) => l.topic_name) ?? [])];
  return html`
    <h2>Group <${LongName} name=${id} /></h2>
    ${error && html`<p class="error">${error}</p>`}
    ${state && html`<p>state <b data-testid="group-state">${state.group.state}</b>, assignor ${state.group.partition_assignor || '–'}, total lag <b data-testid="total-lag">${state.total}</b></p>`}
    <h2>Members</h2>
    <table data-testid="members">
      <tr><th>member</th><th>client</th><th>host</th><th>assigned</th></tr>
      ${state?.consumers.map(
        (m) => html`<tr><td>${m.consumer_id}</td><td>${m.client_id}</td><td>${m.client_host}</td>
          <td>${m.assignments.map((a, i) => html`${i > 0 ? ', ' : ''}<${LongName} name=${a.topic_name} />-${a.partition_id}`)}</td></tr>`,
      )}
    </table>
    <h2>Lag per partition</h2>
    <table data-testid="lags">
      <tr><th>topic</th><th class="num">partition</th><th class="num">committed</th><th class="num">log end</th><th class="num">lag</th><th>member</th></tr>
      ${state?.lags.map(
        (l) => html`<tr><td><${LongName} name=${l.topic_name} /></td><td class="num">${l.partition_id}</td><td class="num">${l.current_offset}</td>
          <td class="num">${l.log_end_offset}</td><td class="num">${l.lag}</td><td>${l.consumer_id ?? '–'}</td></tr>`,
      )}
    </table>
    <h2>Lag over time</h2>
    <${Chart} title="total lag" series=${['lag']} rows=${history} />
    <${ResetOffsets} id=${id} topics=${topics} onDone=${() => setTick(tick + 1)} />
  `;
}
