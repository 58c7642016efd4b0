/**
 * S1, S2, S14: stored data never crashes a reader. Rows that parse as JSON
 * but whose data does not fit their type are written straight into the
 * SQLite log of a running `phoenix run`; the host stays up, every dashboard
 * request answers, and `phoenix status` and `phoenix replay` report each row
 * with its position and the field. The second test feeds the same rows
 * through the unchecked decode (the guard removed, in the test only) and
 * shows the first test's readers then fail.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDashboard } from '../../actors/dashboard/index.ts';
import { readDashboardView } from '../../actors/telegram/logViews.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { createLogger } from '../../runtime/logger.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import type { EventLog } from '../../store/port.ts';
import { replay } from '../../tools/replay/replay.ts';
import { http } from '../dashboard/support.ts';
import { testBead } from '../support/beads.ts';
import { runPhoenix, startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { type BadRow, badRows, insertRows, UncheckedLog } from './badRows.ts';

let temp: { dir: string; remove: () => void };
beforeEach(() => {
  temp = makeTempDir('phoenix-stored-data');
});
afterEach(() => temp.remove());

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function lastHeartbeatPosition(home: string): Promise<number | undefined> {
  const log = new SqliteEventLog(defaultLogPath(home), { readonly: true });
  try {
    let last: number | undefined;
    for await (const e of log.readAll({ types: ['HEARTBEAT'] })) if (e.kind === 'bead') last = e.position;
    return last;
  } finally {
    await log.close();
  }
}

/** The first frame of /events, as a browser gets it. */
async function firstEventFrame(url: string): Promise<{ status: number; view: { counts: { corrupt: number } } }> {
  const controller = new AbortController();
  const res = await fetch(`${url}events`, { signal: controller.signal });
  const reader = res.body!.getReader();
  let text = '';
  try {
    while (!/^data: .*\n\n/m.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } finally {
    controller.abort();
  }
  return { status: res.status, view: JSON.parse(/^data: (.*)$/m.exec(text)![1]!) };
}

const fieldLine = (row: BadRow, position: number) =>
  new RegExp(`^!! skipped record at position ${position} \\(${row.stream} rev 0\\): ${(row.bead as { bead_type: string }).bead_type} bead does not fit its type: ${row.field.replace('.', '\\.')}: `, 'm');

describe('stored data that does not fit its type (S1, S2, S14)', () => {
  it('written under a running host: the host stays up, the dashboard, /metrics and /events answer, status and replay report each row with its position and field', async () => {
    const env = { PHOENIX_HOME: temp.dir, LOG_LEVEL: 'warn', TIME_SCALE: '0.01' };
    const host = startPhoenix(['run'], env);
    const url = (await host.waitForOutput(/dashboard: http:\/\/127\.0\.0\.1:\d+\//, 30_000)).replace('dashboard: ', '');
    await until(() => lastHeartbeatPosition(temp.dir), 'a first heartbeat');

    const rows = badRows('live');
    const positions = insertRows(defaultLogPath(temp.dir), rows);

    // The running host's own dashboard has seen them, and says so.
    const view = await until(async () => {
      const v = (await (await fetch(`${url}api/dashboard`)).json()) as { counts: { corrupt: number; last_corrupt: { position: number; reason: string } | null } };
      return v.counts.corrupt >= rows.length ? v : undefined;
    }, 'the dashboard counting the bad rows');
    expect(view.counts.corrupt).toBe(rows.length);
    expect(view.counts.last_corrupt).toEqual({ position: positions.at(-1), reason: expect.stringMatching(/^ALERT bead does not fit its type: data\.severity: /) });
    const metrics = await http(`${url}metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(new RegExp(`^phoenix_corrupt_records_total ${rows.length}$`, 'm'));
    const events = await firstEventFrame(url);
    expect(events.status).toBe(200);
    expect(events.view.counts.corrupt).toBe(rows.length);
    expect((await http(url)).status).toBe(200);

    // Still working: a heartbeat written after the rows, and the process alive.
    await until(async () => ((await lastHeartbeatPosition(temp.dir))! > positions.at(-1)! ? true : undefined), 'a heartbeat after the bad rows');
    expect(host.child.exitCode).toBeNull();

    const status = await runPhoenix(['status', '--json'], env);
    expect(status.code).toBe(0);
    const statusView = JSON.parse(status.stdout) as { counts: { corrupt: number; last_corrupt: { position: number } } };
    expect(statusView.counts.corrupt).toBe(rows.length);
    expect(statusView.counts.last_corrupt.position).toBe(positions.at(-1));
    const statusText = await runPhoenix(['status'], env);
    expect(statusText.code).toBe(0);
    expect(statusText.stdout).toMatch(new RegExp(`${rows.length} unreadable`));

    const replayed = await runPhoenix(['replay'], env);
    expect(replayed.code).toBe(0);
    for (const [i, row] of rows.entries()) expect(replayed.stdout).toMatch(fieldLine(row, positions[i]!));
    expect(replayed.stderr).toMatch(new RegExp(`${rows.length} unreadable records were skipped`));

    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
    expect(host.stderr()).not.toMatch(/TypeError|uncaught/i);
  });

  it('the guard removed (the unchecked decode, in this test only): the same rows crash replay and status, and the dashboard answers 500', async () => {
    const path = defaultLogPath(temp.dir);
    const seed = new SqliteEventLog(path);
    await seed.append('drill', [testBead('drill')]);
    await seed.close();
    const rows = badRows('unchecked');
    insertRows(path, rows);
    const replayNothing = { line: () => undefined };

    // With the check, as the first test's host and CLI read: every reader answers.
    const checked = new SqliteEventLog(path, { readonly: true });
    expect((await replay(checked, {}, replayNothing)).skipped).toBe(rows.length);
    expect((await readDashboardView(checked, Date.now(), 35_000)).counts.corrupt).toBe(rows.length);
    await checked.close();

    // Without it: what `phoenix replay` and `phoenix status` run throws on the first misshapen bead.
    const unchecked = new UncheckedLog(path);
    await expect(replay(unchecked, {}, replayNothing)).rejects.toThrow(TypeError);
    await expect(readDashboardView(unchecked, Date.now(), 35_000)).rejects.toThrow(TypeError);

    // And the dashboard: the request fails (500, logged), where the first test gets its view. The server itself
    // survives only because it catches a handler's throw; before that fix this request took the host down.
    let logged = '';
    const destination = new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    });
    const dashboard = await startDashboard({ log: unchecked as EventLog, host: '127.0.0.1', port: 0, logger: createLogger({ destination, format: 'json', level: 'error' }), clock: new ManualClock(Date.now()) });
    try {
      const answer = await until(async () => {
        const r = await http(`${dashboard.url}api/dashboard`);
        return r.status === 500 ? r : undefined;
      }, 'the dashboard failing on unchecked data');
      expect(answer.body).toBe('internal error\n');
      expect(logged).toMatch(/"msg":"dashboard request failed"/);
      expect((await http(`${dashboard.url}healthz`)).status).toBe(200);
    } finally {
      await dashboard.stop();
      await unchecked.close();
    }
  });
});
