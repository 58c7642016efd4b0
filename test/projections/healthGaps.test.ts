import { describe, expect, it } from 'vitest';
import { type Bead, type BeadDraft, stamp, streams } from '../../beads/index.ts';
import { ConnectionGapFold, HeartbeatGapFold } from '../../projections/gaps.ts';

const T0 = Date.parse('2026-11-24T09:00:00.000Z');
const S = 1000;
const MIN = 60 * S;
const HOST = 'gap-host';
let n = 0;

function bead(at: number, draft: BeadDraft): Bead {
  n += 1;
  return stamp(draft, { bead_id: `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`, ts: new Date(at).toISOString(), host_id: HOST, mode: 'MOCK' });
}
const beat = (at: number, status: 'HEALTHY' | 'MISSED' = 'HEALTHY', miss_count = 0) =>
  bead(at, {
    bead_type: 'HEARTBEAT',
    stream: streams.heartbeat(HOST),
    correlation_id: 'hb',
    data: { status, checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count },
  });
const host = (at: number, event: 'STARTED' | 'STOPPING') =>
  bead(at, { bead_type: 'HOST', stream: streams.host(HOST), correlation_id: 'h', data: { event, version: 'v', config_hash: 'c', pid: 1 } });
const session = (at: number, event: 'CONNECT' | 'DISCONNECT' | 'RECONNECT', extra: { reconnect_attempt?: number; escalated?: boolean; reason?: string } = {}) =>
  bead(at, { bead_type: 'IBKR_SESSION', stream: streams.connection(HOST), correlation_id: 's', data: { event, mode: 'PAPER', account: 'DU1', port: 4002, ...extra } });

function heartbeatGaps(beads: Bead[], fromMs: number, now: number) {
  const fold = new HeartbeatGapFold(HOST, { fromMs, allowedMs: 35 * S });
  for (const b of beads) fold.apply(b);
  return fold.result(now);
}

describe('heartbeat gaps', () => {
  it('beats 25 to 35 s apart are no gap; the longest interval is reported', () => {
    const beads = [host(T0, 'STARTED'), ...Array.from({ length: 20 }, (_, i) => beat(T0 + i * 30 * S + (i % 2 ? 5 * S : 0)))];
    const report = heartbeatGaps(beads, T0, T0 + 19 * 30 * S + 10 * S);
    expect(report.gaps).toEqual([]);
    expect(report.beats).toBe(20);
    expect(report.longestIntervalMs).toBe(35 * S);
  });

  it('a silence with MISSED beads is a gap that counts the misses; a clean stop is labelled so; a silence now is ongoing', () => {
    const beads = [
      beat(T0),
      beat(T0 + 30 * S),
      beat(T0 + 65.5 * S, 'MISSED', 1),
      beat(T0 + 95.5 * S, 'MISSED', 2),
      beat(T0 + 120 * S),
      host(T0 + 130 * S, 'STOPPING'),
      host(T0 + 10 * MIN, 'STARTED'),
      beat(T0 + 10 * MIN + 1),
    ];
    const report = heartbeatGaps(beads, T0, T0 + 12 * MIN);
    expect(report.gaps).toEqual([
      { from: '2026-11-24T09:00:30.000Z', to: '2026-11-24T09:02:00.000Z', durationMs: 90 * S, misses: 2, cause: 'missed' },
      { from: '2026-11-24T09:02:00.000Z', to: '2026-11-24T09:10:00.000Z', durationMs: 8 * MIN, misses: 0, cause: 'host stopped' },
      { from: '2026-11-24T09:10:00.001Z', durationMs: 2 * MIN - 1, misses: 0, cause: 'ongoing' },
    ]);
  });

  it('only gaps that end inside the window count, and a crash ended by a restart says so', () => {
    const beads = [beat(T0), beat(T0 + 5 * MIN), beat(T0 + 2 * 3_600_000), host(T0 + 2 * 3_600_000 + 5 * MIN, 'STARTED')];
    const report = heartbeatGaps(beads, T0 + 3_600_000, T0 + 2 * 3_600_000 + 5 * MIN + 10 * S);
    expect(report.gaps.map((g) => [g.from, g.cause])).toEqual([
      ['2026-11-24T09:05:00.000Z', 'late'],
      ['2026-11-24T11:00:00.000Z', 'host restarted'],
    ]);
  });
});

describe('connection gaps', () => {
  it('from DISCONNECT to CONNECT, with the attempts made; an escalated gap still open is reported as such', () => {
    const fold = new ConnectionGapFold(HOST, T0);
    for (const b of [
      session(T0, 'CONNECT'),
      session(T0 + MIN, 'DISCONNECT', { reason: 'socket closed' }),
      session(T0 + MIN + 5 * S, 'RECONNECT', { reconnect_attempt: 1 }),
      session(T0 + MIN + 6 * S, 'RECONNECT', { reconnect_attempt: 1, escalated: false, reason: 'refused' }),
      session(T0 + MIN + 21 * S, 'RECONNECT', { reconnect_attempt: 2 }),
      session(T0 + MIN + 22 * S, 'CONNECT', { reconnect_attempt: 2 }),
      session(T0 + 10 * MIN, 'DISCONNECT', { reason: 'probe timeout' }),
      session(T0 + 10 * MIN + 65 * S, 'RECONNECT', { reconnect_attempt: 3, escalated: true, reason: 'refused' }),
    ]) {
      fold.apply(b);
    }
    expect(fold.result(T0 + 20 * MIN)).toEqual({
      host: HOST,
      sessions: 2,
      gaps: [
        { from: '2026-11-24T09:01:00.000Z', to: '2026-11-24T09:01:22.000Z', durationMs: 22 * S, reason: 'socket closed', attempts: 2, escalated: false },
        { from: '2026-11-24T09:10:00.000Z', durationMs: 10 * MIN, reason: 'probe timeout', attempts: 3, escalated: true },
      ],
    });
  });
});
