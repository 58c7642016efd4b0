import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { benchAppend } from './b1Append.ts';
import { benchReplay } from './b2Replay.ts';
import { benchDecisionPath } from './b3Decision.ts';
import { benchOrderPath } from './b3OrderPath.ts';
import { benchAlertDelivery } from './b4AlertDelivery.ts';
import { benchDetection } from './b4Detection.ts';
import { benchColdStart } from './b5ColdStart.ts';
import { benchHeartbeat } from './b6Heartbeat.ts';
import { benchSoakReport } from './b7Soak.ts';
import { benchChain } from './chainCost.ts';
import { type Measure, renderTable, toRow } from './table.ts';

/**
 * `npm run bench` (S13): runs every benchmark in a temp dir, each in its own
 * process, prints the table, and leaves nothing behind. Each benchmark is one
 * entry in BENCHMARKS.
 */
const BENCHMARKS: { id: string; run: (dir: string) => Promise<Measure[]> }[] = [
  { id: 'B1', run: benchAppend },
  { id: 'B2', run: benchReplay },
  { id: 'B3', run: benchOrderPath },
  { id: 'B3W', run: benchDecisionPath },
  { id: 'B4', run: benchDetection },
  { id: 'B4a', run: benchAlertDelivery },
  { id: 'B5', run: benchColdStart },
  { id: 'B6', run: benchHeartbeat },
  { id: 'B7', run: benchSoakReport },
  { id: 'CHAIN', run: benchChain },
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

interface ChildReport {
  measures: Measure[];
  /** CPU time over wall time, in percent. */
  onCpu: number;
  wallMs: number;
}

/** Runs one benchmark in this process and reports it to the parent that forked it. */
async function runAsChild(id: string, dir: string): Promise<void> {
  const bench = BENCHMARKS.find((b) => b.id === id);
  if (!bench) throw new Error(`no benchmark ${id}`);
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  const measures = await bench.run(dir);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  // Well under 100% for CPU-bound work means the box was busy with something else.
  const report: ChildReport = { measures, wallMs, onCpu: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) };
  await new Promise<void>((resolve, reject) => process.send!(report, (err: Error | null) => (err ? reject(err) : resolve())));
}

/**
 * Each benchmark in a fresh process: B2 leaves a heap of a million beads
 * behind, and collecting it used to land in B3's samples as pauses no host
 * would have.
 */
function runInChild(id: string, dir: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(RUN_TS, [BENCH_ENTRY], { env: { ...process.env, [CHILD_ENV]: id, [DIR_ENV]: dir } });
    let report: ChildReport | undefined;
    child.on('message', (m) => {
      report = m as ChildReport;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      report ? resolve(report) : reject(new Error(`benchmark ${id} ended (${signal ?? `exit ${code}`}) without a report`)),
    );
  });
}

const CHILD_ENV = 'PHOENIX_BENCH_ONLY';
const DIR_ENV = 'PHOENIX_BENCH_DIR';
const RUN_TS = fileURLToPath(new URL('../bin/run-ts.mjs', import.meta.url));
const BENCH_ENTRY = fileURLToPath(import.meta.url);

const childId = process.env[CHILD_ENV];
if (childId !== undefined) {
  await runAsChild(childId, process.env[DIR_ENV]!);
  // Reported: a handle a benchmark left open must not hold the whole run.
  process.exit(0);
} else {
  const only = process.argv.slice(2);
  const unknown = only.filter((id) => !BENCHMARKS.some((b) => b.id === id));
  if (unknown.length > 0) {
    console.error(`no such benchmark: ${unknown.join(', ')} (there are ${BENCHMARKS.map((b) => b.id).join(', ')})`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'phoenix-bench-'));
  try {
    console.log(header(dir));
    const measures: Measure[] = [];
    for (const bench of BENCHMARKS) {
      if (only.length > 0 && !only.includes(bench.id)) continue;
      const report = await runInChild(bench.id, dir);
      measures.push(...report.measures);
      console.log(`${bench.id} done in ${(report.wallMs / 1000).toFixed(1)} s, on CPU ${report.onCpu}% of that time (own process)`);
    }
    console.log();
    console.log(renderTable(measures.map(toRow)));
    console.log('\nratio: against a baseline measured in the same run; above 1 means faster than the baseline.');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
