// Charts over the last minutes: decisions and denials per second, and p50/p99 decision
// latency, sampled by each server from the counters /metrics exposes; with Redis, added up
// over every worker and server.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, handleError, poll } from '../api.ts';
import type { ChartPoint, ChartsView as ChartsAnswer } from '../types.ts';

function Chart({ title, data, series }: { title: string; data: uPlot.AlignedData; series: { label: string; stroke: string }[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(320, box.current.clientWidth);
    plot.current = new uPlot({ width, height: 220, series: [{}, ...series.map((s) => ({ ...s, width: 2 }))], axes: [{}, { size: 60 }] }, data, box.current);
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => plot.current?.setData(data), [data]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: chart of the last minutes`} />
    </figure>
  );
}

export function ChartsView() {
  const [points, setPoints] = useState<ChartPoint[]>([]);
  const [answer, setAnswer] = useState<ChartsAnswer | null>(null);
  const [error, setError] = useState('');
  useEffect(() => poll(() => api<ChartsAnswer>('/charts').then((r) => { setAnswer(r); setPoints(r.points); }, (e) => handleError(e, setError)), 2_000), []);
  const whose = answer?.scope === 'fleet' ? 'all servers' : 'this server';
  const t = points.map((p) => p.t / 1000);
  const last = points[points.length - 1];
  const ms = (v: number | null) => (v === null ? null : v * 1000);
  return (
    <section>
      {error && <p role="alert" class="error">{error}</p>}
      {answer?.notice && <p role="status" class="notice">{answer.notice}</p>}
      <p role="status" class="summary">
        {last ? `Now (${whose}): ${last.decisionsPerSecond.toFixed(1)} decisions/s, ${last.denialsPerSecond.toFixed(1)} denials/s, p50 ${last.p50 === null ? '—' : `${(last.p50 * 1000).toFixed(2)} ms`}, p99 ${last.p99 === null ? '—' : `${(last.p99 * 1000).toFixed(2)} ms`}` : 'Collecting the first samples (every 2 s)…'}
      </p>
      <Chart title="Decisions and denials per second" data={[t, points.map((p) => p.decisionsPerSecond), points.map((p) => p.denialsPerSecond)]} series={[{ label: 'decisions/s', stroke: '#1d3557' }, { label: 'denials/s', stroke: '#c1121f' }]} />
      <Chart title="Decision latency (ms)" data={[t, points.map((p) => ms(p.p50)), points.map((p) => ms(p.p99))] as uPlot.AlignedData} series={[{ label: 'p50 ms', stroke: '#2a9d8f' }, { label: 'p99 ms', stroke: '#e76f51' }]} />
    </section>
  );
}
