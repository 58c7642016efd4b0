import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { defaultLogPath } from '../store/sqlite.ts';
import { mixChunks, rawParseRate } from './b2Replay.ts';
import { writeBulkLog } from './bulkLog.ts';
import type { Measure } from './table.ts';

/**
 * B5 (S13): `phoenix run` started on a log of a million beads (B2's mix), as
 * its own process, until its first HEALTHY heartbeat bead is in the log; and
 * the process's peak RSS by then. The baseline is one plain read + parse of
 * the same log on one thread, so the ratio says how many such passes a cold
 * start costs.
 */

const TOTAL = 1_000_000;
const HOST_ID = 'bench-b5';
const GIVE_UP_MS = 120_000;
const BIN = fileURLToPath(new URL('../bin/phoenix.mjs', import.meta.url));

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

export async function benchColdStart(dir: string): Promise<Measure[]> {
  const home = join(dir, 'b5-cold');
  const path = defaultLogPath(home);
  await writeBulkLog(path, mixChunks(TOTAL));
  const rawPassMs = (TOTAL / rawParseRate(path)) * 1000;

  const watcher = new Database(path, { readonly: true });
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
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  const seconds = (healthyMs ?? GIVE_UP_MS) / 1000;
  return [
    {
      id: 'B5',
      what: `cold start: phoenix run on a ${TOTAL / 1e6}M-bead log → first HEALTHY heartbeat${healthyMs === undefined ? ` (none within ${GIVE_UP_MS / 1000} s)` : ''}`,
      value: seconds,
      unit: 's',
      target: { atMost: 3 },
      ratio: { value: rawPassMs / 1000 / seconds, baseline: `one raw read + JSON.parse pass of the log, one thread (${(rawPassMs / 1000).toFixed(2)} s)` },
    },
    { id: 'B5', what: 'peak RSS of the host by then (VmHWM)', value: memory?.peakMb ?? Number.NaN, unit: 'MB', target: { atMost: 200 } },
  ];
}
