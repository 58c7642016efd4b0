import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import type { BeadOf } from '../../beads/index.ts';
import { type PromotionEmitted, promotionMachine, sweepRunId } from '../../machines/promotion.ts';
import { promotionStateOf, replayPromotion } from '../../machines/promotionReplay.ts';
import { comparableSnapshot } from '../../machines/types.ts';
import { bunny, configChange, decision, INPUT, MET, OPS_MISSING, PHASE1_MISSING, runStory, T0, WINDOW_MS } from './promotionFixtures.ts';
import { advance } from './support.ts';

/** Given these beads, when this happens, then these PROMOTION beads (S3.6, issue 14). */

const promotions = (log: ReturnType<typeof runStory>['log']) =>
  log.filter((b): b is BeadOf<'PROMOTION'> => b.bead_type === 'PROMOTION' && b.data.event === 'TRANSITION').map((b) => b.data.state);

describe('promotion machine', () => {
  it('SHADOW → PAPER_VALIDATED when the phase-1 gates hold; LIVE_ELIGIBLE only after the window, with ops quality met', () => {
    const { snapshot, log } = runStory([
      { facts: PHASE1_MISSING, at: T0 },
      { facts: MET, at: T0 + 1_000 },
      { facts: MET, at: T0 + 1_000 + WINDOW_MS - 1 },
      { facts: OPS_MISSING, at: T0 + 1_000 + WINDOW_MS },
      { facts: MET, at: T0 + 1_000 + WINDOW_MS + 5 },
    ]);
    expect(promotions(log)).toEqual(['PAPER_VALIDATED', 'LIVE_ELIGIBLE']);
    expect(promotionStateOf(snapshot)).toBe('LIVE_ELIGIBLE');
    const validated = log.find((b) => b.bead_type === 'PROMOTION') as BeadOf<'PROMOTION'>;
    expect(validated.data).toMatchObject({ previous: 'SHADOW', facts: MET, window_from: new Date(T0 + 1_000).toISOString() });
  });

  it('LIVE_ACTIVE only on a named person’s decision with a reason; a blank one is refused', () => {
    const eligible: Parameters<typeof runStory>[0] = [{ facts: MET, at: T0 }, { facts: MET, at: T0 + WINDOW_MS }];
    const blank = runStory([...eligible, { bead: decision('', 'ready', T0 + WINDOW_MS + 1) }]);
    expect(promotionStateOf(blank.snapshot)).toBe('LIVE_ELIGIBLE');
    expect(blank.emitted.filter((e) => e.type === 'refused')).toHaveLength(1);
    const named = runStory([...eligible, { bead: decision('alice', 'five clean days', T0 + WINDOW_MS + 1) }]);
    expect(promotionStateOf(named.snapshot)).toBe('LIVE_ACTIVE');
    const active = named.log.at(-1) as BeadOf<'PROMOTION'>;
    expect(active.data).toMatchObject({ state: 'LIVE_ACTIVE', previous: 'LIVE_ELIGIBLE', reason: 'promoted to live by alice: five clean days' });
    expect(active.data.cause_id).toBe(named.log.at(-2)!.bead_id);
  });

  it('a decision before LIVE_ELIGIBLE is refused and moves nothing', () => {
    const { snapshot, emitted } = runStory([{ facts: MET, at: T0 }, { bead: decision('alice', 'impatient', T0 + 10) }]);
    expect(promotionStateOf(snapshot)).toBe('PAPER_VALIDATED');
    expect(emitted.at(-1)).toMatchObject({ type: 'refused', why: expect.stringMatching(/PAPER_VALIDATED, not LIVE_ELIGIBLE/) });
  });

  it('a bunny failure inside the window restarts the window from that failure', () => {
    const fail = bunny('bunny-1', 'CV_S33_4', 'FAIL', T0 + 30_000);
    const { snapshot, log } = runStory([
      { facts: MET, at: T0 },
      { bead: fail },
      { facts: MET, at: T0 + WINDOW_MS + 1 },
      { facts: MET, at: T0 + 30_000 + WINDOW_MS },
    ]);
    expect(promotions(log)).toEqual(['PAPER_VALIDATED', 'PAPER_VALIDATED', 'LIVE_ELIGIBLE']);
    const restart = log.filter((b) => b.bead_type === 'PROMOTION')[1] as BeadOf<'PROMOTION'>;
    expect(restart.data).toMatchObject({ cause_id: fail.bead_id, window_from: fail.ts, reason: expect.stringMatching(/CV_S33_4 FAILED .* restarts from that failure/) });
    expect(promotionStateOf(snapshot)).toBe('LIVE_ELIGIBLE');
  });

  it('a failure takes back LIVE_ACTIVE: PAPER_VALIDATED, a new window, and a new decision needed', () => {
    const { snapshot } = runStory([
      { facts: MET, at: T0 },
      { facts: MET, at: T0 + WINDOW_MS },
      { bead: decision('alice', 'go', T0 + WINDOW_MS + 1) },
      { bead: bunny('bunny-2', 'CV_S33_1', 'FAIL', T0 + WINDOW_MS + 2) },
    ]);
    expect(promotionStateOf(snapshot)).toBe('PAPER_VALIDATED');
    expect(snapshot.context.decision).toBeNull();
  });

  it('any CONFIG_CHANGE returns the desk to SHADOW and asks for a sweep of the changed component with the new value', () => {
    const change = configChange('ORDER_UNITS', 30_000, T0 + WINDOW_MS + 5);
    const { snapshot, log, emitted } = runStory([{ facts: MET, at: T0 }, { facts: MET, at: T0 + WINDOW_MS }, { bead: decision('alice', 'go', T0 + WINDOW_MS + 1) }, { bead: change }]);
    expect(promotionStateOf(snapshot)).toBe('SHADOW');
    const shadow = log.at(-1) as BeadOf<'PROMOTION'>;
    expect(shadow.data).toMatchObject({ state: 'SHADOW', previous: 'LIVE_ACTIVE', cause_id: change.bead_id });
    expect(shadow.data.sweep).toEqual({ run_id: sweepRunId(change.bead_id), components: ['flow'], vectors: ['CV_S33_10', 'CV_S33_11', 'CV_S33_12', 'S10_KILL9_WRITE_AHEAD', 'S10_FILLS_DURING_DISCONNECT'], settings: { ORDER_UNITS: '30000' } });
    expect(emitted.at(-1)).toMatchObject({ type: 'command', command: 'run-sweep', sweep: { runId: sweepRunId(change.bead_id) } });
  });

  it('a sweep blocks LIVE_ELIGIBLE until each of its vectors PASSES under the new value; its FAIL restarts the window', () => {
    const change = configChange('HEARTBEAT_INTERVAL_S', 20, T0);
    const run = sweepRunId(change.bead_id);
    const vectors = ['CV_S33_5', 'CV_S33_4', 'CV_S33_6', 'S10_LOG_NOT_WRITABLE', 'S10_ESDB_UNREACHABLE'];
    const passAll = (at: number, but?: string) => vectors.map((v) => ({ bead: bunny(run, v, v === but ? 'FAIL' : 'PASS', at) }));
    const blocked = runStory([{ bead: change }, { facts: MET, at: T0 + 1 }, ...passAll(T0 + 2, 'CV_S33_6'), { facts: MET, at: T0 + 2 + WINDOW_MS }]);
    expect(promotionStateOf(blocked.snapshot)).toBe('PAPER_VALIDATED');
    expect(blocked.snapshot.context.windowFrom).toBe(T0 + 2);
    // A later run of the failed vector under the same setting clears it.
    const rerun = { bead: bunny('bunny-by-hand', 'CV_S33_6', 'PASS', T0 + 3, { HEARTBEAT_INTERVAL_S: '20' }) };
    const cleared = runStory([{ bead: change }, { facts: MET, at: T0 + 1 }, ...passAll(T0 + 2, 'CV_S33_6'), rerun, { facts: MET, at: T0 + 2 + WINDOW_MS }]);
    expect(promotionStateOf(cleared.snapshot)).toBe('LIVE_ELIGIBLE');
    // …but a run under other settings does not speak for the new value.
    const other = { bead: bunny('bunny-other', 'CV_S33_6', 'PASS', T0 + 3) };
    expect(promotionStateOf(runStory([{ bead: change }, { facts: MET, at: T0 + 1 }, ...passAll(T0 + 2, 'CV_S33_6'), other, { facts: MET, at: T0 + 2 + WINDOW_MS }]).snapshot)).toBe('PAPER_VALIDATED');
  });

  it('changes made while a sweep is owed are swept together, under the later change’s run id', () => {
    const a = configChange('ORDER_UNITS', 30_000, T0);
    const b = configChange('HEARTBEAT_INTERVAL_S', 20, T0 + 1);
    const { snapshot } = runStory([{ bead: a }, { bead: b }]);
    expect(snapshot.context.sweep).toMatchObject({ runId: sweepRunId(b.bead_id), components: ['flow', 'monitor'], settings: { ORDER_UNITS: '30000', HEARTBEAT_INTERVAL_S: '20' }, changeIds: [a.bead_id, b.bead_id] });
  });

  it('a secret’s change is swept without its value; the phase-1 gates lost send the desk back to SHADOW', () => {
    const secret = configChange('TELEGRAM_BOT_TOKEN', 0, T0, { secret: true });
    expect(runStory([{ bead: secret }]).snapshot.context.sweep).toMatchObject({ components: ['notify'], settings: {} });
    expect(promotionStateOf(runStory([{ facts: MET, at: T0 }, { facts: PHASE1_MISSING, at: T0 + 5 }]).snapshot)).toBe('SHADOW');
    const eligibleThenOps = runStory([{ facts: MET, at: T0 }, { facts: MET, at: T0 + WINDOW_MS }, { facts: OPS_MISSING, at: T0 + WINDOW_MS + 1 }]);
    expect(promotionStateOf(eligibleThenOps.snapshot)).toBe('PAPER_VALIDATED');
  });

  it('the window is a named delay: a live actor asks for the facts the moment it is served', () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const actor = createActor(promotionMachine, { input: { windowMs: WINDOW_MS, startedAt: 0 }, clock });
    const seen: PromotionEmitted[] = [];
    actor.on('*', (e) => seen.push(e));
    actor.start();
    actor.send({ type: 'FACTS', at: T0, facts: MET });
    advance(clock, WINDOW_MS - 1);
    expect(seen.filter((e) => e.type === 'command')).toEqual([]);
    advance(clock, 1);
    expect(seen.filter((e) => e.type === 'command')).toEqual([{ type: 'command', command: 'check-facts' }]);
    actor.stop();
  });

  it('replay: the log rebuilds the snapshot; a change the host never answered comes back as owed', () => {
    const story = runStory([
      { facts: MET, at: T0 },
      { bead: bunny('bunny-1', 'CV_S33_1', 'FAIL', T0 + 10) },
      { facts: MET, at: T0 + 10 + WINDOW_MS },
      { bead: decision('alice', 'go', T0 + 20 + WINDOW_MS) },
      { bead: configChange('ORDER_UNITS', 30_000, T0 + 30 + WINDOW_MS) },
    ]);
    const replayed = replayPromotion(story.log, INPUT);
    expect(replayed.anomalies).toEqual([]);
    expect(replayed.owed).toEqual([]);
    expect(comparableSnapshot(replayed.snapshot)).toEqual(comparableSnapshot(story.snapshot));
    // `phoenix config set` while no host ran: the change is in the log, its SHADOW bead is not.
    const change = configChange('ORDER_UNITS', 40_000, T0 + 40 + WINDOW_MS);
    const unanswered = replayPromotion([...story.log, change], INPUT);
    expect(promotionStateOf(unanswered.snapshot)).toBe('SHADOW');
    expect(unanswered.owed.map((o) => o.draft.data)).toEqual([expect.objectContaining({ state: 'SHADOW', cause_id: change.bead_id })]);
  });
});
