import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { checkpointPath } from '../runtime/projectionCheckpoint.ts';
import { defaultLogPath } from '../store/sqlite.ts';
import { mixChunks } from './b2Replay.ts';
import { writeBulkLog } from './bulkLog.ts';
import { openRawLog } from './rawSqlite.ts';
import type { Measure } from './table.ts';

/**
 * B5 (S13): `phoenix run` started on a log of a million beads (B2's mix), as
 * its own process, until its first HEALTHY heartbeat bead is in the log; and
 * the process's peak RSS by then. Each log is started twice: first with no
 * checkpoint (the host reads the whole log once), then, after that host's
 * clean stop saved one, from its checkpoint (the host reads only the tail).
 * The same two starts on a thousand-bead log are the baseline for the
 * checkpointed start; one plain read + parse of the million-bead log on one
 * thread is the baseline for the first start. ROUNDS rounds, interleaved;
 * each figure is the median, with its spread.
 */

const BIG = 1_000_000;
const SMALL = 1_000;
const HOST_ID = 'bench-b5';
const GIVE_UP_MS = 120_000;
const ROUNDS = Number(process.env.PHOENIX_B5_ROUNDS ?? 3);
const BIN = fileURLToPath(new URL('../bin/phoenix.mjs', import.meta.url));

export interface ColdStart {
  /** Spawn to the first HEALTHY heartbeat bead in the log; undefined if none came within GIVE_UP_MS. */
  healthyMs: number | undefined;
  /** VmHWM by then, in MB. */
  peakMb: number;
}

/** VmHWM and VmRSS of a process, in MB; undefined once it is gone. */
function memoryOf(pid: number): { peakMb: number; rssMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

/** Whether this host has written a HEALTHY heartbeat after `after`, read on a connection of our own. */
function healthyBeatProbe(db: Database.Database, after: number): () => boolean {
  const heartbeats = db.prepare<[number], string>("SELECT json FROM beads WHERE position > ? AND bead_type = 'HEARTBEAT'").pluck();
  return () => heartbeats.all(after).some((json) => {
    const bead = JSON.parse(json) as { host_id?: string; data?: { status?: string } };
    return bead.host_id === HOST_ID && bead.data?.status === 'HEALTHY';
  });
}

/**
 * One start of `phoenix run` in `home`, timed to its first HEALTHY heartbeat,
 * then stopped with SIGTERM and awaited: a clean stop, which saves the
 * host's checkpoint for the next start.
 */
export async function timeColdStart(home: string): Promise<ColdStart> {
  const watcher = new Database(defaultLogPath(home), { readonly: true });
  const before = watcher.prepare<[], number>('SELECT max(position) FROM beads').pluck().get() ?? 0;
  // Prepared once: the probe runs every 20 ms beside the host it measures.
  const healthyBeatSeen = healthyBeatProbe(watcher, before);
  const start = performance.now();
  // Mock broker, no Telegram, no .env: a cold start of the host alone, whatever the bench machine's own setup.
  const child = spawn(process.execPath, [BIN, 'run'], {
    cwd: home,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PHOENIX_ENV_FILE: '/nonexistent/.env', PHOENIX_HOME: home, PHOENIX_HOST_ID: HOST_ID, DASHBOARD_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let healthyMs: number | undefined;
  let memory: { peakMb: number; rssMb: number } | undefined;
  try {
    while (healthyMs === undefined) {
      if (child.exitCode !== null) throw new Error(`B5: phoenix run exited ${child.exitCode} before a HEALTHY heartbeat: ${stderr}`);
      if (performance.now() - start > GIVE_UP_MS) break;
      await new Promise((r) => setTimeout(r, 20));
      memory = memoryOf(child.pid!) ?? memory;
      if (healthyBeatSeen()) healthyMs = performance.now() - start;
    }
  } finally {
    watcher.close();
    // A host that already exited (it failed to start) fires no 'exit' again: waiting for one would hang the bench.
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  return { healthyMs, peakMb: memory?.peakMb ?? Number.NaN };
}

/** One plain read + JSON.parse of every row on one thread: the floor for a start that must read it all. */
export function rawPassMs(path: string): number {
  const db = openRawLog(path);
  const start = performance.now();
  let parsed = 0;
  for (const json of db.prepare<[], string>('SELECT json FROM beads ORDER BY position').pluck().iterate()) {
    if (JSON.parse(json) !== null) parsed += 1;
  }
  const ms = performance.now() - start;
  db.close();
  if (parsed === 0) throw new Error(`B5: the raw pass read nothing from ${path}`);
  return ms;
}

async function logOf(dir: string, name: string, total: number): Promise<string> {
  const home = join(dir, name);
  await writeBulkLog(defaultLogPath(home), mixChunks(total));
  // Written with fsync off: on disk now, or the kernel writes its 600 MB back half a minute later, under a start being timed,
  // and the host's own fsyncs (synchronous = FULL) wait behind it.
  const fd = openSync(defaultLogPath(home), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return home;
}

const seconds = (s: ColdStart) => (s.healthyMs ?? GIVE_UP_MS) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Median, with the spread of the rounds: this machine moves an absolute figure by ±20% from run to run (S13). */
const spread = (xs: number[], digits: number) => `median of ${xs.length}, spread ${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

/** A start with no checkpoint (as after an upgrade), then one from the checkpoint its clean stop saved. */
async function twoStarts(home: string): Promise<{ first: ColdStart; resumed: ColdStart }> {
  rmSync(checkpointPath(home, HOST_ID), { force: true });
  const first = await timeColdStart(home);
  const resumed = await timeColdStart(home);
  return { first, resumed };
}

export async function benchColdStart(dir: string): Promise<Measure[]> {
  const small = await logOf(dir, 'b5-small', SMALL);
  const big = await logOf(dir, 'b5-big', BIG);
  const rounds: { small: Awaited<ReturnType<typeof twoStarts>>; big: Awaited<ReturnType<typeof twoStarts>>; rawS: number }[] = [];
  // Interleaved, so a busy minute on the machine lands on the baselines as well as on what they are baselines for.
  for (let r = 0; r < ROUNDS; r++) rounds.push({ small: await twoStarts(small), rawS: rawPassMs(defaultLogPath(big)) / 1000, big: await twoStarts(big) });
  const resumed = rounds.map((r) => seconds(r.big.resumed));
  const first = rounds.map((r) => seconds(r.big.first));
  const smallResumed = rounds.map((r) => seconds(r.small.resumed));
  const smallFirst = rounds.map((r) => seconds(r.small.first));
  const raw = rounds.map((r) => r.rawS);
  const peakResumed = rounds.map((r) => r.big.resumed.peakMb);
  const peakSmall = rounds.map((r) => r.small.resumed.peakMb);
  const missing = rounds.some((r) => r.big.first.healthyMs === undefined || r.big.resumed.healthyMs === undefined) ? ` (a start saw no HEALTHY heartbeat within ${GIVE_UP_MS / 1000} s)` : '';
  return [
    {
      id: 'B5',
      what: `cold start from the host's checkpoint: phoenix run on a ${BIG / 1e6}M-bead log → first HEALTHY heartbeat (${spread(resumed, 2)} s)${missing}`,
      value: median(resumed),
      unit: 's',
      target: { atMost: 3 },
      ratio: { value: median(resumed) / median(smallResumed), baseline: `the same on a ${SMALL / 1e3}k-bead log (${median(smallResumed).toFixed(2)} s, ${spread(smallResumed, 2)})`, atMost: 1.5 },
    },
    {
      id: 'B5',
      what: `peak RSS of that host by then (VmHWM, ${spread(peakResumed, 0)} MB)`,
      value: median(peakResumed),
      unit: 'MB',
      target: { atMost: 200 },
      ratio: { value: median(peakResumed) / median(peakSmall), baseline: `the same host on the ${SMALL / 1e3}k-bead log (${median(peakSmall).toFixed(0)} MB)` },
    },
    {
      id: 'B5',
      what: `first start, no checkpoint (after an upgrade): the host reads the whole ${BIG / 1e6}M-bead log once (${spread(first, 2)} s)${missing}`,
      value: median(first),
      unit: 's',
      ratio: { value: median(first) / median(raw), baseline: `one raw read + JSON.parse pass of the log, one thread (${median(raw).toFixed(2)} s, ${spread(raw, 2)})`, atMost: 1.5 },
    },
    {
      // What the log costs the start: loading the code and connecting are the same on any log, and the 1k-bead first start takes them too.
      id: 'B5',
      what: `of which the log's share: that first start less the same on the ${SMALL / 1e3}k-bead log (${median(smallFirst).toFixed(2)} s, ${spread(smallFirst, 2)})`,
      value: median(first) - median(smallFirst),
      unit: 's',
      ratio: { value: (median(first) - median(smallFirst)) / median(raw), baseline: `one raw read + JSON.parse pass of the log (${median(raw).toFixed(2)} s)`, atMost: 1.5 },
    },
    { id: 'B5', what: `peak RSS of the first start by then (VmHWM, ${spread(rounds.map((r) => r.big.first.peakMb), 0)} MB)`, value: median(rounds.map((r) => r.big.first.peakMb)), unit: 'MB' },
  ];
}
