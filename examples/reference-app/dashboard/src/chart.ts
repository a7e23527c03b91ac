import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** The events/s chart: uPlot over the last 15 minutes, sized to its container. */
export interface RateChart {
  readonly update: (perSecond: readonly number[], endMs: number) => void;
}

/** Creates the chart inside `container`; its colours follow the page's CSS variables (light/dark). */
export function createRateChart(container: HTMLElement): RateChart {
  const css = getComputedStyle(document.documentElement);
  const color = (name: string) => css.getPropertyValue(name).trim() || '#888';
  const width = () => Math.max(200, container.clientWidth);
  const plot = new uPlot(
    {
      width: width(),
      height: 180,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: color('--muted'), grid: { stroke: color('--grid') }, ticks: { stroke: color('--grid') } },
        { stroke: color('--muted'), grid: { stroke: color('--grid') }, ticks: { stroke: color('--grid') }, size: 45 },
      ],
      series: [{}, { label: 'events/s', stroke: color('--accent'), fill: color('--accent-fill'), width: 1.5 }],
    },
    [[], []],
    container,
  );
  new ResizeObserver(() => plot.setSize({ width: width(), height: 180 })).observe(container);
  return {
    update: (perSecond, endMs) => {
      const end = endMs / 1000;
      const xs = perSecond.map((_v, i) => end - (perSecond.length - 1 - i));
      plot.setData([xs, [...perSecond]]);
    },
  };
}
