import { describe, expect, it } from 'vitest';
import { type Bead, type BeadDraft, stamp, streams } from '../../beads/index.ts';
import { MISSES_FOR_CRITICAL, type WatchdogAction, WatchdogCore } from '../../actors/monitor/watchdogCore.ts';

const T0 = Date.parse('2026-11-24T09:00:00.000Z');
const S = 1000;
const HOST = 'wd-host';
const HERE = 'box-1';
const TIMINGS = { intervalMs: 30 * S, jitterMs: 5 * S, confirmMs: 500 };
let n = 0;

function bead(at: number, draft: BeadDraft): Bead {
  n += 1;
  return stamp(draft, { bead_id: `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`, ts: new Date(at).toISOString(), host_id: HOST, mode: 'MOCK' });
}
const hostBead = (at: number, event: 'STARTED' | 'STOPPING', pid: number, hostname = HERE) =>
  bead(at, { bead_type: 'HOST', stream: streams.host(HOST), correlation_id: 'h', data: { event, version: '0.1.0', config_hash: 'abc', pid, hostname } });
const heartbeat = (at: number, status: 'HEALTHY' | 'MISSED' = 'HEALTHY', miss_count = 0) =>
  bead(at, {
    bead_type: 'HEARTBEAT',
    stream: streams.heartbeat(HOST),
    correlation_id: 'hb',
    data: { status, checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count },
  });

/** Drives the core: beads at their times, ticks every `tickMs` in between, collecting what it decides. */
function drive(core: WatchdogCore, events: { at: number; bead?: Bead }[], until: number, alive: (pid: number, at: number) => boolean, tickMs = 250) {
  const out: { at: number; action: WatchdogAction }[] = [];
  const queue = [...events].sort((a, b) => a.at - b.at);
  for (let t = queue[0]?.at ?? T0; t <= until; t += tickMs) {
    while (queue[0] && queue[0].at <= t) {
      const e = queue.shift()!;
      if (e.bead) for (const action of core.observe(e.bead)) out.push({ at: e.at, action });
    }
    for (const action of core.tick(t, (pid) => alive(pid, t))) out.push({ at: t, action });
  }
  return out;
}

const kinds = (out: { action: WatchdogAction }[]) => out.map(({ action }) => (action.kind === 'missed' ? `missed ${action.missCount}` : action.kind === 'hostDown' ? `down ${action.why}` : 'back'));

describe('watchdog judgement', () => {
  it('waits quietly until a host has started', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    expect(core.tick(T0 + 3_600_000, () => false)).toEqual([]);
    expect(core.state).toBe('waiting');
  });

  it('a host beating 30 s ± 5 s apart, even read a little late, is never missed (CV_S33_6)', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }];
    let t = T0;
    for (let i = 0; i < 40; i++) {
      t += i % 2 === 0 ? 35 * S : 25 * S;
      // Stamped at t, but read 400 ms later, after a tick has already passed the deadline.
      events.push({ at: t + 400, bead: heartbeat(t) });
    }
    expect(drive(core, events, t + 10 * S, () => true)).toEqual([]);
    expect(core.state).toBe('up');
  });

  it('a dead pid without a clean stop is CRITICAL at the first look, once; the misses then count up', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }, { at: T0 + 30 * S, bead: heartbeat(T0 + 30 * S) }];
    // Killed 2 s after its heartbeat at 30 s.
    const out = drive(core, events, T0 + 230 * S, (_pid, at) => at < T0 + 32 * S);
    expect(kinds(out)).toEqual(['down dead', 'missed 1', 'missed 2', 'missed 3', 'missed 4', 'missed 5', 'missed 6']);
    expect(out[0]!.at).toBe(T0 + 32 * S);
    expect(out[0]!.action).toMatchObject({ dedupeKey: `HOST_DOWN:${HOST}:100`, message: expect.stringContaining('pid 100') });
    expect(core.state).toBe('dead');
  });

  it('a clean stop is silence by design: no miss, no alert', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }, { at: T0 + 10 * S, bead: hostBead(T0 + 10 * S, 'STOPPING', 100) }];
    expect(drive(core, events, T0 + 600 * S, (_pid, at) => at < T0 + 11 * S)).toEqual([]);
    expect(core.state).toBe('stopped');
  });

  it('a hung host (alive, silent) earns MISSED at 35, 65 and 95 s, CRITICAL on the third, and is resolved when it beats again', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }, { at: T0 + 130 * S, bead: heartbeat(T0 + 130 * S) }];
    const out = drive(core, events, T0 + 140 * S, () => true);
    expect(kinds(out)).toEqual(['missed 1', 'missed 2', 'missed 3', 'down hung', 'missed 4', 'back']);
    expect(out.map((o) => o.at - T0)).toEqual([35.5 * S, 65.5 * S, 95.5 * S, 95.5 * S, 125.5 * S, 130 * S]);
    expect(MISSES_FOR_CRITICAL).toBe(3);
    expect(core.state).toBe('up');
    expect(core.missCount).toBe(0);
  });

  it('a host that restarts under a new pid ends the incident', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }, { at: T0 + 20 * S, bead: hostBead(T0 + 20 * S, 'STARTED', 200) }];
    const out = drive(core, events, T0 + 25 * S, (pid) => pid === 200);
    expect(kinds(out)).toEqual(['down dead', 'back']);
    expect(core.pid).toBe(200);
  });

  it('a host on another machine is judged by its heartbeat alone', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const out = drive(core, [{ at: T0, bead: hostBead(T0, 'STARTED', 100, 'elsewhere') }], T0 + 100 * S, () => false);
    expect(kinds(out)).toEqual(['missed 1', 'missed 2', 'missed 3', 'down hung']);
    expect(out[3]!.action).toMatchObject({ message: expect.stringContaining('cannot be checked from here') });
  });

  it('a restarted watchdog carries the miss count on from its MISSED beads, and a long silence is one bead, not hundreds', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    core.observe(hostBead(T0, 'STARTED', 100));
    core.observe(heartbeat(T0 + 35.5 * S, 'MISSED', 1));
    core.observe(heartbeat(T0 + 65.5 * S, 'MISSED', 2));
    expect(kinds(core.tick(T0 + 96 * S, () => true).map((action) => ({ action })))).toEqual(['missed 3', 'down hung']);
    const later = new WatchdogCore(HOST, TIMINGS, HERE);
    later.observe(hostBead(T0, 'STARTED', 100));
    expect(kinds(later.tick(T0 + 3_600_000, () => true).map((action) => ({ action })))).toEqual(['missed 119', 'down hung']);
  });
});
