import { describe, expect, it } from 'vitest';
import type { Bead, Mode } from '../../beads/index.ts';
import { type KillSwitchEmitted, type KillSwitchEvent, killSwitchMachine, REFUSAL } from '../../machines/killswitch.ts';
import { type KillSwitchSnapshot, killFlagOf, killSwitchReplayer, replayKillSwitch } from '../../machines/killswitchReplay.ts';
import type { HumanActor } from '../../machines/types.ts';
import { decide, draftsOf, stampAt, T0 } from './support.ts';

const alice: HumanActor = { kind: 'human', id: 'alice', channel: 'CLI' };

function flag(state: 'SET' | 'CLEARED', who: string, reason: string, episode = 1, mode: Mode = 'LIVE'): Bead {
  return stampAt({ bead_type: 'KILL_FLAG', stream: 'killswitch', correlation_id: `killswitch-${episode}`, data: { state, who, reason } }, T0, mode);
}
function given(...beads: Bead[]): KillSwitchSnapshot {
  const { snapshot, anomalies } = replayKillSwitch(beads);
  expect(anomalies).toEqual([]);
  return snapshot;
}
function when(snapshot: KillSwitchSnapshot, event: KillSwitchEvent) {
  return decide<typeof killSwitchMachine, KillSwitchEmitted>(killSwitchMachine, snapshot, event);
}
const haltedByAlice = () => flag('SET', 'cli:alice', 'drill');

describe('kill switch: given beads, when an event, then beads', () => {
  it('is SET by a person halting, records who and why, and raises KILL_FLAG_SET', () => {
    const { snapshot, emitted } = when(given(), { type: 'HALT', by: alice, reason: 'drill' });
    expect(killFlagOf(snapshot)).toBe('SET');
    expect(draftsOf(emitted)).toEqual([
      { bead_type: 'KILL_FLAG', stream: 'killswitch', correlation_id: 'killswitch-1', data: { state: 'SET', who: 'cli:alice', reason: 'drill' } },
    ]);
    expect(emitted).toContainEqual(expect.objectContaining({ type: 'alert', alertType: 'KILL_FLAG_SET' }));
  });

  it('is SET by reconciliation drift in LIVE, with the drift bead as its cause', () => {
    const { snapshot, emitted } = when(given(), { type: 'DRIFT_DETECTED', mode: 'LIVE', reason: 'EURUSD 20000 vs 0', cause: 'drift-bead-1' });
    expect(killFlagOf(snapshot)).toBe('SET');
    expect(draftsOf(emitted)[0]).toMatchObject({ causation_id: 'drift-bead-1', data: { state: 'SET', who: 'system:reconciliation' } });
  });

  it.each(['PAPER', 'MOCK'] as const)('is not SET by drift in %s: the drift alert is the answer there', (mode) => {
    const { snapshot, emitted } = when(given(), { type: 'DRIFT_DETECTED', mode, reason: 'drift' });
    expect(killFlagOf(snapshot)).toBe('ARMED');
    expect(emitted).toEqual([]);
  });

  it('is SET by a guard violation and by a log that cannot be written', () => {
    expect(draftsOf(when(given(), { type: 'GUARD_VIOLATION', reason: 'account U999 does not match' }).emitted)[0]?.data).toEqual({
      state: 'SET',
      who: 'system:submit-guard',
      reason: 'account U999 does not match',
    });
    expect(killFlagOf(when(given(), { type: 'LOG_UNAVAILABLE', reason: 'SQLITE_FULL' }).snapshot)).toBe('SET');
  });

  it('records a further cause while SET, without a second alert', () => {
    const { snapshot, emitted } = when(given(haltedByAlice()), { type: 'GUARD_VIOLATION', reason: 'port 4001 in PAPER' });
    expect(snapshot.context.setBy.map((s) => s.who)).toEqual(['cli:alice', 'system:submit-guard']);
    expect(emitted.map((e) => e.type)).toEqual(['bead']);
  });

  it('is cleared by a person with a reason: KILL_FLAG CLEARED', () => {
    const { snapshot, emitted } = when(given(haltedByAlice()), { type: 'CLEAR', by: alice, reason: 'drill over' });
    expect(killFlagOf(snapshot)).toBe('ARMED');
    expect(draftsOf(emitted)).toEqual([
      { bead_type: 'KILL_FLAG', stream: 'killswitch', correlation_id: 'killswitch-1', data: { state: 'CLEARED', who: 'cli:alice', reason: 'drill over' } },
    ]);
  });

  it('refuses a CLEAR without a reason, says why, and stays SET', () => {
    const { snapshot, emitted } = when(given(haltedByAlice()), { type: 'CLEAR', by: alice, reason: '   ' });
    expect(killFlagOf(snapshot)).toBe('SET');
    expect(emitted).toEqual([{ type: 'refused', command: 'CLEAR', who: 'cli:alice', why: REFUSAL.noReason }]);
  });

  it('refuses a CLEAR from code, and keeps a SECURITY bead of the attempt', () => {
    const { snapshot, emitted } = when(given(haltedByAlice()), { type: 'CLEAR', by: { kind: 'system', component: 'reconciliation' }, reason: 'drift resolved' });
    expect(killFlagOf(snapshot)).toBe('SET');
    expect(emitted[0]).toEqual({ type: 'refused', command: 'CLEAR', who: 'system:reconciliation', why: REFUSAL.notHuman });
    expect(draftsOf(emitted)).toEqual([
      expect.objectContaining({ bead_type: 'SECURITY', stream: 'security', data: { who: 'system:reconciliation', channel: 'LOG', why: REFUSAL.notHuman } }),
    ]);
  });

  it('refuses a CLEAR when nothing is set', () => {
    expect(when(given(), { type: 'CLEAR', by: alice, reason: 'x' }).emitted).toEqual([
      { type: 'refused', command: 'CLEAR', who: 'cli:alice', why: REFUSAL.notSet },
    ]);
  });
});

describe('kill switch replay', () => {
  it('keeps a flag SET by LIVE drift even when the host restarts in PAPER', () => {
    const drift = flag('SET', 'system:reconciliation', 'EURUSD drift', 1, 'LIVE');
    expect(killFlagOf(given(drift))).toBe('SET');
    expect(killSwitchReplayer.stateAfter([drift])).toBe('SET by system:reconciliation (EURUSD drift)');
  });

  it('numbers episodes across set and clear, and says who cleared last', () => {
    const beads = [haltedByAlice(), flag('CLEARED', 'telegram:42', 'checked'), flag('SET', 'system:event-log', 'disk full', 2)];
    expect(given(...beads).context.episode).toBe(2);
    expect(killSwitchReplayer.stateAfter(beads.slice(0, 2))).toBe('ARMED (last cleared by telegram:42: checked)');
  });

  it('reports a CLEARED bead written by code as not fitting, and stays SET', () => {
    const { snapshot, anomalies } = replayKillSwitch([haltedByAlice(), flag('CLEARED', 'system:reconciliation', 'auto')]);
    expect(killFlagOf(snapshot)).toBe('SET');
    expect(anomalies).toHaveLength(1);
  });
});
