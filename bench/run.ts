import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { benchAppend } from './b1Append.ts';
import { benchReplay } from './b2Replay.ts';
import { benchDecisionPath } from './b3Decision.ts';
import { benchOrderPath } from './b3OrderPath.ts';
import { benchAlertDelivery } from './b4AlertDelivery.ts';
import { benchDetection } from './b4Detection.ts';
import { benchHeartbeat } from './b6Heartbeat.ts';
import { type Measure, renderTable, toRow } from './table.ts';

/**
 * `npm run bench` (S13): runs every benchmark in a temp dir, prints the
 * table, and leaves nothing behind. Each benchmark is one entry in BENCHMARKS.
 */
const BENCHMARKS: { id: string; run: (dir: string) => Promise<Measure[]> }[] = [
  { id: 'B1', run: benchAppend },
  { id: 'B2', run: benchReplay },
  { id: 'B3', run: benchOrderPath },
  { id: 'B3W', run: benchDecisionPath },
  { id: 'B4', run: benchDetection },
  { id: 'B4a', run: benchAlertDelivery },
  { id: 'B6', run: benchHeartbeat },
];

/** The filesystem the temp dir lives on: fsync cost, and so B1, depends on it. */
function filesystemOf(dir: string): string {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((f) => f.length > 2 && dir.startsWith(f[1]!))
      .sort((a, b) => b[1]!.length - a[1]!.length);
    return mounts[0] ? `${mounts[0][2]} (${mounts[0][0]} on ${mounts[0][1]})` : 'unknown';
  } catch {
    return 'unknown';
  }
}

function header(dir: string): string {
  const sqliteVersion = new Database(':memory:').prepare<[], string>('SELECT sqlite_version()').pluck().get();
  return [
    `date:     ${new Date().toISOString()}`,
    `machine:  ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    `load:     ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (1/5/15 min before the run; above ${os.cpus().length}, other work competes for the cores and every figure suffers)`,
    `runtime:  node ${process.version}, SQLite ${sqliteVersion}`,
    `temp dir: ${dir} on ${filesystemOf(dir)}`,
  ].join('\n');
}

const only = process.argv.slice(2);
const dir = mkdtempSync(join(os.tmpdir(), 'phoenix-bench-'));
try {
  console.log(header(dir));
  const measures: Measure[] = [];
  for (const bench of BENCHMARKS) {
    if (only.length > 0 && !only.includes(bench.id)) continue;
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    measures.push(...(await bench.run(dir)));
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuBefore);
    // Well under 100% for CPU-bound work means the box was busy with something else.
    const onCpu = Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100);
    console.log(`${bench.id} done in ${(wallMs / 1000).toFixed(1)} s, on CPU ${onCpu}% of that time`);
  }
  console.log();
  console.log(renderTable(measures.map(toRow)));
  console.log('\nratio: against a baseline measured in the same run; above 1 means faster than the baseline.');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
