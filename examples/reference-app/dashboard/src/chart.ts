import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** The events/s chart: uPlot over the last 15 minutes, sized to its container. */
export interface RateChart {
  readonly update: (perSecond: readonly number[], endMs: number) => void;
}

// uPlot draws on a canvas with colours fixed at creation, so they are chosen to read on the light and the
// dark background alike (the page can switch with prefers-color-scheme while open).
const AXIS = '#8a939d';
const GRID = 'rgba(138, 147, 157, 0.25)';
const LINE = '#3b82f6';
const FILL = 'rgba(59, 130, 246, 0.15)';
const WINDOW_S = 15 * 60;

/** Creates the chart inside `container`: always the last 15 minutes, so the axis reads in minutes. */
export function createRateChart(container: HTMLElement): RateChart {
  const width = () => Math.max(200, container.clientWidth);
  const plot = new uPlot(
    {
      width: width(),
      height: 180,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: true, range: (u) => [end(u) - WINDOW_S, end(u)] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [
        { stroke: AXIS, grid: { stroke: GRID }, ticks: { stroke: GRID } },
        { stroke: AXIS, grid: { stroke: GRID }, ticks: { stroke: GRID }, size: 45 },
      ],
      series: [{}, { label: 'events/s', stroke: LINE, fill: FILL, width: 1.5, points: { show: false } }],
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

// --- internal ---

/** The newest x of the data (seconds), or now before the first sample. */
function end(u: uPlot): number {
  const xs = u.data[0];
  return xs.length === 0 ? Date.now() / 1000 : (xs[xs.length - 1] ?? Date.now() / 1000);
}
