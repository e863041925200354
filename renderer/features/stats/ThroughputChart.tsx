import type { StatsOverview } from '../../../shared/stats.js';

const W = 600;
const H = 140;
const PAD = { top: 8, right: 8, bottom: 20, left: 34 };

/**
 * Finished jobs per minute over the last hour: stacked bars (completed,
 * failed), hand-drawn SVG (no library, nothing remote, nothing the CSP
 * refuses: no inline style, colours come from the stylesheet's classes).
 */
export function ThroughputChart({ throughput }: { throughput: StatsOverview['throughput'] }) {
  const { completed, failed } = throughput;
  const totals = completed.map((c, i) => c + failed[i]!);
  const peak = Math.max(1, ...totals);
  const sumDone = completed.reduce((a, b) => a + b, 0);
  const sumFailed = failed.reduce((a, b) => a + b, 0);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / completed.length;
  const y = (n: number) => (n / peak) * plotH;
  const label = `Finished per minute over the last hour: ${sumDone.toLocaleString()} completed, ${sumFailed.toLocaleString()} failed; busiest minute ${Math.max(0, ...totals).toLocaleString()}.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} className="throughput-chart">
        <line className="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} />
        <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={PAD.top} y2={PAD.top} />
        <text className="chart-label" x={PAD.left - 4} y={PAD.top + 4} textAnchor="end">
          {peak}
        </text>
        <text className="chart-label" x={PAD.left - 4} y={PAD.top + plotH} textAnchor="end">
          0
        </text>
        {totals.map((_, i) => {
          const x = PAD.left + i * slot + slot * 0.15;
          const w = slot * 0.7;
          const hDone = y(completed[i]!);
          const hFail = y(failed[i]!);
          const base = PAD.top + plotH;
          return (
            <g key={i}>
              {hDone > 0 && <rect className="bar-completed" x={x} y={base - hDone} width={w} height={hDone} />}
              {hFail > 0 && <rect className="bar-failed" x={x} y={base - hDone - hFail} width={w} height={hFail} />}
            </g>
          );
        })}
        <text className="chart-label" x={PAD.left} y={H - 4}>
          60 min ago
        </text>
        <text className="chart-label" x={W - PAD.right} y={H - 4} textAnchor="end">
          now
        </text>
      </svg>
      <figcaption className="chart-legend">
        <span className="legend-item">
          <span className="legend-swatch bar-completed" aria-hidden="true" /> Completed {sumDone.toLocaleString()}
        </span>
        <span className="legend-item">
          <span className="legend-swatch bar-failed" aria-hidden="true" /> Failed {sumFailed.toLocaleString()}
        </span>
      </figcaption>
    </figure>
  );
}
