/**
 * Issue 15: a long catch-up at start says how far it is. The host's log
 * carries lines with the entries read, the share done and the rate; the
 * dashboard, up before the catch-up ends, says "catching up" (caught_up
 * false, and /healthz how far) until it has read the whole log.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningDashboard, startDashboard } from '../../actors/dashboard/server.ts';
import { benchBeads } from '../../bench/beadMix.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { createLogger } from '../../runtime/logger.ts';
import { ProjectionEngine } from '../../runtime/projectionEngine.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog, LogEntry, ReadAllOptions } from '../../store/port.ts';
import { http } from '../dashboard/support.ts';

const TOTAL = 5_000;
const PAUSE_AT = 3_000;

/** The log, with the start-up read held at one entry until the test lets it go. */
function heldAt(log: EventLog, at: number) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached: () => void = () => undefined;
  const paused = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const held = Object.create(log) as EventLog;
  held.readAll = (options: ReadAllOptions = {}) => {
    const inner = log.readAll(options);
    return {
      async *[Symbol.asyncIterator]() {
        let n = 0;
        for await (const entry of inner) {
          if (++n === at) {
            reached();
            await released;
          }
          yield entry as LogEntry;
        }
      },
    };
  };
  return { log: held, paused, release };
}

let dashboard: RunningDashboard | undefined;
let engine: ProjectionEngine | undefined;
afterEach(async () => {
  await dashboard?.stop();
  await engine?.stop();
});

describe('a long catch-up (issue 15)', () => {
  it('logs entries read, percent and rate, and the dashboard says catching up until it is done', async () => {
    const log = new MemoryEventLog();
    for (let i = 0; i < TOTAL; i += 500) for (const b of benchBeads(i, 500)) await log.append(b.stream, [b]);
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'info', format: 'json', destination });
    const clock = new ManualClock();
    const held = heldAt(log, PAUSE_AT);
    engine = new ProjectionEngine({ log: held.log, logger, clock });
    dashboard = await startDashboard({ log: held.log, engine, host: '127.0.0.1', port: 0, logger, clock });
    const catchingUp = engine.catchUp({ until: TOTAL });
    await held.paused;

    const during = JSON.parse((await http(`${dashboard.url}healthz`)).body) as { caught_up: boolean; catching_up?: { read: number; percent: number } };
    expect(during.caught_up).toBe(false);
    expect(during.catching_up?.read).toBe(PAUSE_AT - 1);
    expect(JSON.parse((await http(`${dashboard.url}api/dashboard`)).body)).toMatchObject({ caught_up: false });

    // Two seconds pass on the host's clock while it reads: the next look at the clock owes a progress line.
    clock.advance(2_000);
    held.release();
    await catchingUp;
    engine.follow();
    await engine.whenCaughtUp();
    expect(JSON.parse((await http(`${dashboard.url}api/dashboard`)).body)).toMatchObject({ caught_up: true });
    const progress = lines.map((l) => JSON.parse(l) as { msg: string; read?: number; percent?: number; perSecond?: number }).filter((l) => l.msg.startsWith('catching up with the log'));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({ read: expect.any(Number), percent: expect.any(Number), perSecond: expect.any(Number) });
    expect(progress[0]!.percent).toBeGreaterThanOrEqual(50);
    expect(progress[0]!.msg).toMatch(/^catching up with the log: \d+ entries read \(\d+%\), \d+\/s$/);
  });
});
