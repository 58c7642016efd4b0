import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import type { Bead, BeadDraft, Mode } from '../../beads/index.ts';
import { type PositionEmitted, type PositionEvent, positionMachine } from '../../machines/position.ts';
import { emittedBy } from '../../machines/types.ts';
import { BUNNY_VECTORS, dashboardGateStatuses, foldAllGates, foldGates, gateResults, gatesFold, initialGates, paperGatesHold } from '../../projections/gates.ts';
import { beadsFrom, stampAt, T0 } from '../machines/support.ts';

/** Beads of a whole position life, as the machine writes them, in the given mode. */
function roundTrip(id: string, mode: Mode = 'PAPER', at = T0): Bead[] {
  const input = { positionId: id, intentId: `i-${id}`, pair: 'EURUSD', side: 'LONG', quantity: 20_000, plannedEntry: 1.085, stop: 1.082, target: 1.091, submittedAt: at } as const;
  let [s, actions] = initialTransition(positionMachine, input);
  const out = beadsFrom(emittedBy<PositionEmitted>(actions), at, mode);
  const events: PositionEvent[] = [
    { type: 'ENTRY_FILLED', filled: 20_000, avgPrice: 1.0851, at: at + 1 },
    { type: 'PROTECTION_WORKING', at: at + 2 },
    { type: 'EXIT_FILLED', filled: 20_000, avgPrice: 1.091, by: 'TARGET', at: at + 3 },
  ];
  for (const e of events) {
    [s, actions] = transition(positionMachine, s, e);
    out.push(...beadsFrom(emittedBy<PositionEmitted>(actions), e.at, mode));
  }
  return out;
}

const bead = (draft: BeadDraft, at = T0, mode: Mode = 'PAPER') => stampAt(draft, at, mode);
const hostStarted = (at: number) => bead({ bead_type: 'HOST', stream: 'host-test-host', correlation_id: `h-${at}`, data: { event: 'STARTED', version: '0.1.0', config_hash: 'c', pid: 42 } }, at);
const session = (event: 'CONNECT' | 'DISCONNECT' | 'RECONNECT', mode: Mode = 'PAPER', extra: object = {}) =>
  bead({ bead_type: 'IBKR_SESSION', stream: 'connection-test-host', correlation_id: 'run', data: { event, mode, account: 'DU1234567', port: 4002, ...extra } }, T0, mode);
const byId = (beads: Bead[], inputs = {}) => Object.fromEntries(gateResults(foldAllGates(beads), inputs).map((g) => [g.id, g]));

describe('phase-1 gates from the log (S11)', () => {
  it('an empty log meets nothing and declares nothing; P1-7 and an unread runbooks folder are not computed', () => {
    const gates = gateResults(initialGates());
    expect(gates.map((g) => [g.id, g.status])).toEqual([
      ['P1-1', 'NOT_MET'],
      ['P1-2', 'NOT_MET'],
      ['P1-3', 'NOT_MET'],
      ['P1-4', 'NOT_MET'],
      ['P1-5', 'NOT_COMPUTED'],
      ['P1-6', 'NOT_MET'],
      ['P1-7', 'NOT_COMPUTED'],
      ['P1-8', 'NOT_MET'],
    ]);
    expect(paperGatesHold(gates)).toBe(false);
  });

  it('P1-2 PAPER_ROUND_TRIP: one paper position SUBMITTED → FILLED → CLOSED, with its beads as evidence; a mock one does not count', () => {
    expect(byId(roundTrip('mock-1', 'MOCK'))['P1-2']?.status).toBe('NOT_MET');
    const beads = roundTrip('p1');
    const g = byId(beads)['P1-2']!;
    expect(g.status).toBe('MET');
    const lifecycle = beads.filter((b) => b.bead_type === 'POSITION' && ['SUBMITTED', 'FILLED', 'MANAGED', 'CLOSED'].includes(b.data.state));
    expect(g.evidence).toEqual(lifecycle.map((b) => b.bead_id));
  });

  it('P1-3 PAPER_VOLUME: three paper closes are not enough in one host session; across two they are', () => {
    const oneRun = [hostStarted(T0), ...roundTrip('a'), ...roundTrip('b'), ...roundTrip('c')];
    expect(byId(oneRun)['P1-3']).toMatchObject({ status: 'NOT_MET', detail: '3/3 positions CLOSED on paper across 1/2 host sessions' });
    const twoRuns = [hostStarted(T0), ...roundTrip('a'), ...roundTrip('b'), hostStarted(T0 + 10), ...roundTrip('c')];
    const g = byId(twoRuns)['P1-3']!;
    expect(g).toMatchObject({ status: 'MET', detail: '3/3 positions CLOSED on paper across 2/2 host sessions' });
    expect(g.evidence).toHaveLength(3);
  });

  it('P1-3 once met keeps the closes that met it as its evidence: a long desk history does not grow it', () => {
    const met = [hostStarted(T0), ...roundTrip('a'), ...roundTrip('b'), hostStarted(T0 + 10), ...roundTrip('c')];
    const later = Array.from({ length: 40 }, (_, i) => roundTrip(`later-${i}`)).flat();
    const g = byId([...met, hostStarted(T0 + 20), ...later])['P1-3']!;
    expect(g).toMatchObject({ status: 'MET', detail: '3/3 positions CLOSED on paper across 2/2 host sessions' });
    const closedOf = (id: string) => met.find((x) => x.bead_type === 'POSITION' && x.data.position_id === id && x.data.state === 'CLOSED')!.bead_id;
    expect(g.evidence).toEqual(['a', 'b', 'c'].map(closedOf));
  });

  it('P1-3 before it is met counts every close but keeps only the evidence that could prove it', () => {
    const oneSession = [hostStarted(T0), ...Array.from({ length: 40 }, (_, i) => roundTrip(`early-${i}`)).flat()];
    const waiting = foldAllGates(oneSession);
    expect(gateResults(waiting).find((g) => g.id === 'P1-3')).toMatchObject({ status: 'NOT_MET', detail: '40/3 positions CLOSED on paper across 1/2 host sessions' });
    expect(waiting.paperClosed.size).toBe(3);
    const closedOf = (beads: Bead[], id: string) => beads.find((x) => x.bead_type === 'POSITION' && x.data.position_id === id && x.data.state === 'CLOSED')!.bead_id;
    const second = [hostStarted(T0 + 10), ...roundTrip('next')];
    const g = byId([...oneSession, ...second])['P1-3']!;
    expect(g).toMatchObject({ status: 'MET', detail: '41/3 positions CLOSED on paper across 2/2 host sessions' });
    expect(g.evidence).toEqual([closedOf(oneSession, 'early-0'), closedOf(oneSession, 'early-1'), closedOf(oneSession, 'early-2'), closedOf(second, 'next')]);
  });

  it('P1-2 forgets a position once it ended without a round trip: a log of positions with no SUBMITTED bead keeps none', () => {
    const unsubmitted = Array.from({ length: 30 }, (_, i) => roundTrip(`u-${i}`).filter((x) => !(x.bead_type === 'POSITION' && x.data.state === 'SUBMITTED'))).flat();
    const state = foldAllGates(unsubmitted);
    expect(state.paperLives.size).toBe(0);
    expect(gateResults(state).find((g) => g.id === 'P1-2')?.status).toBe('NOT_MET');
    // One still open is remembered, and completes its round trip later.
    const open = roundTrip('open');
    const closeAt = open.findIndex((x) => x.bead_type === 'POSITION' && x.data.state === 'CLOSED');
    foldAllGates([...open.slice(0, closeAt), ...unsubmitted.slice(0, 20)], state);
    expect(state.paperLives.size).toBe(1);
    foldAllGates(open.slice(closeAt), state);
    expect(gateResults(state).find((g) => g.id === 'P1-2')).toMatchObject({ status: 'MET', detail: 'position open: SUBMITTED → FILLED → CLOSED on paper' });
  });

  it('P1-1 from a paper CONNECT, P1-6 from DISCONNECT → RECONNECT → CONNECT on paper', () => {
    const beads = [session('CONNECT'), session('DISCONNECT', 'PAPER', { reason: 'drill' }), session('RECONNECT', 'PAPER', { reconnect_attempt: 1 })];
    expect(byId(beads)['P1-1']?.status).toBe('MET');
    expect(byId(beads)['P1-6']?.status).toBe('NOT_MET');
    const recovered = [...beads, session('CONNECT')];
    expect(byId(recovered)['P1-6']).toMatchObject({ status: 'MET', evidence: recovered.slice(1).map((b) => b.bead_id) });
    expect(byId([session('CONNECT', 'LIVE')])['P1-1']?.status).toBe('NOT_MET');
  });

  it('P1-4 from regular heartbeats and a delivered test alert; P1-5 from the runbooks present and an RB-004 drill', () => {
    const beats = Array.from({ length: 10 }, (_, i) =>
      bead({ bead_type: 'HEARTBEAT', stream: 'heartbeat-test-host', correlation_id: 'hb', data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true } } }, T0 + i * 30_000),
    );
    const alert = bead({ bead_type: 'ALERT', stream: 'alerts', correlation_id: 'a', data: { event: 'SENT', alert_id: 'a1', alert_type: 'TEST_ALERT', severity: 'WARNING', message: 'test', dedupe_key: 't' } });
    expect(byId(beats)['P1-4']?.status).toBe('NOT_MET');
    expect(byId([...beats, alert])['P1-4']?.status).toBe('MET');
    const drill = bead({ bead_type: 'DRILL', stream: 'drill', correlation_id: 'd', data: { runbook_id: 'RB-004', event: 'FINISHED', outcome: 'PASS', resolution_ms: 900 } });
    const runbooks = { expected: ['RB-001', 'RB-004'], present: ['RB-001', 'RB-004'] };
    expect(byId([drill], { runbooks })['P1-5']?.status).toBe('MET');
    expect(byId([drill], { runbooks: { ...runbooks, present: ['RB-004'] } })['P1-5']).toMatchObject({ status: 'NOT_MET', detail: expect.stringMatching(/missing RB-001/) });
  });

  it('P1-8 from the latest bunny run only: all 15 vectors PASS; a FAIL shows as FAIL on the dashboard', () => {
    const run = (id: string, failing?: string) =>
      BUNNY_VECTORS.map((v) => bead({ bead_type: 'BUNNY', stream: 'bunny', correlation_id: id, data: { run_id: id, vector_id: v, result: v === failing ? 'FAIL' : 'PASS', evidence: 'ok' } }));
    expect(byId(run('r1'))['P1-8']?.status).toBe('MET');
    const failed = gateResults(foldAllGates([...run('r1'), ...run('r2', 'CV_S33_9')]));
    expect(failed.find((g) => g.id === 'P1-8')).toMatchObject({ status: 'NOT_MET', detail: expect.stringMatching(/FAIL CV_S33_9/) });
    expect(dashboardGateStatuses(failed).find((g) => g.id === 'P1-8')?.status).toBe('FAIL');
  });

  it('folds one bead at a time for the dashboard, which spells MET as PASS', () => {
    const fold = gatesFold();
    let state = fold.initial;
    for (const b of roundTrip('p1')) state = fold.apply(state, b);
    expect(fold.statuses(state).find((g) => g.id === 'P1-2')).toMatchObject({ status: 'PASS' });
    expect(fold.statuses(foldGates(initialGates(), session('CONNECT'))).find((g) => g.id === 'P1-3')).toMatchObject({ status: 'PENDING' });
  });
});
