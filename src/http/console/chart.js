// A live line chart (uPlot): `series` names, `rows` of [unix seconds, value per series].
import htm from 'htm';
import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const html = htm.bind(h);
const COLORS = ['#2f6fde', '#d9480f', '#2b8a3e', '#7048e8'];

export function Chart({ title, series, rows, width = 560, height = 200 }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    plot.current = new uPlot(
      {
        title,
        width,
        height,
        series: [{}, ...series.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 2 }))],
        axes: [{}, { size: 60 }],
      },
      [[], ...series.map(() => [])],
      box.current,
    );
    return () => plot.current.destroy();
  }, [title, series.join(',')]);
  useEffect(() => {
    const columns = [rows.map((r) => r[0]), ...series.map((_, i) => rows.map((r) => r[i + 1]))];
    plot.current?.setData(columns);
  }, [rows]);
  return html`<div class="chart" ref=${box}></div>`;
}
