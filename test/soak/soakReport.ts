import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One desk hour of the soak (B7): what the host process had grown to, and what a heartbeat check cost. */
export interface SoakSample {
  hour: number;
  rssMb: number;
  heapMb: number;
  logMb: number;
  /** Mean heartbeat check over that desk hour, from /metrics' histogram (its sum and count since the last sample). */
  checkMs: number;
  checks: number;
}

export function soakCsv(samples: readonly SoakSample[]): string {
  const rows = samples.map((s) => [s.hour, s.rssMb.toFixed(1), s.heapMb.toFixed(1), s.logMb.toFixed(2), s.checkMs.toFixed(3), s.checks].join(','));
  return ['desk_hour,rss_mb,heap_mb,log_mb,heartbeat_check_ms,checks', ...rows].join('\n') + '\n';
}

/** Four small line charts, one per series, over the desk hours: plain SVG, no library. */
export function soakSvg(samples: readonly SoakSample[], title: string): string {
  const series: { name: string; unit: string; value: (s: SoakSample) => number }[] = [
    { name: 'RSS', unit: 'MB', value: (s) => s.rssMb },
    { name: 'heap used', unit: 'MB', value: (s) => s.heapMb },
    { name: 'log size', unit: 'MB', value: (s) => s.logMb },
    { name: 'heartbeat check', unit: 'ms', value: (s) => s.checkMs },
  ];
  const w = 420;
  const h = 160;
  const pad = 36;
  const lastHour = Math.max(1, ...samples.map((s) => s.hour));
  const charts = series.map((ser, i) => {
    const values = samples.map(ser.value);
    const top = Math.max(...values, 0) * 1.1 || 1;
    const x = (hour: number) => pad + ((w - 2 * pad) * hour) / lastHour;
    const y = (v: number) => h - pad + 10 - ((h - 2 * pad) * v) / top;
    const points = samples.map((s) => `${x(s.hour).toFixed(1)},${y(ser.value(s)).toFixed(1)}`).join(' ');
    const ox = (i % 2) * w;
    const oy = 30 + Math.floor(i / 2) * h;
    return `<g transform="translate(${ox},${oy})">
  <text x="${pad}" y="14" font-size="12">${ser.name} (${ser.unit}), 0–${top.toFixed(ser.unit === 'ms' ? 3 : 0)}</text>
  <line x1="${pad}" y1="${h - pad + 10}" x2="${w - pad}" y2="${h - pad + 10}" stroke="#999"/>
  <line x1="${pad}" y1="${pad - 10}" x2="${pad}" y2="${h - pad + 10}" stroke="#999"/>
  <text x="${w - pad}" y="${h - pad + 24}" font-size="10" text-anchor="end">desk hour ${lastHour}</text>
  <polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="${points}"/>
</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${title}" width="${2 * w}" height="${30 + 2 * h}" font-family="sans-serif">
<title>${title}</title>
<text x="10" y="20" font-size="14">${title}</text>
${charts.join('\n')}
</svg>
`;
}

export function writeSoakReport(dir: string, samples: readonly SoakSample[], title: string): { csv: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const csv = join(dir, 'B7_SOAK.csv');
  const svg = join(dir, 'B7_SOAK.svg');
  writeFileSync(csv, soakCsv(samples));
  writeFileSync(svg, soakSvg(samples, title));
  return { csv, svg };
}
