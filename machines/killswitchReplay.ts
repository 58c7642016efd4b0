import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import { type Bead, type BeadOf, streams } from '../beads/index.ts';
import { type KillSwitchEvent, killSwitchMachine, SYSTEM_SETTERS } from './killswitch.ts';
import { type MachineReplayerShape, type ReplayResult, requesterOf } from './types.ts';

/**
 * Rebuilds the kill flag from the `killswitch` stream through the pure
 * `transition()`. The host starts its kill-switch actor from this snapshot, so
 * a flag SET before a crash or restart is still SET after it.
 */

export type KillSwitchSnapshot = SnapshotFrom<typeof killSwitchMachine>;

/** Each KILL_FLAG bead as the request that produced it; undefined when no request could have. */
export function killSwitchEventOf(bead: BeadOf<'KILL_FLAG'>): KillSwitchEvent | undefined {
  const { state, who, reason } = bead.data;
  const requester = requesterOf(who);
  if (requester === undefined) return undefined;
  if (state === 'CLEARED') return { type: 'CLEAR', by: requester, reason };
  if (requester.kind === 'human') return { type: 'HALT', by: requester, reason };
  switch (who) {
    // The bead's mode is the mode it was written in: a drift SET was written in LIVE.
    case SYSTEM_SETTERS.reconciliation:
      return { type: 'DRIFT_DETECTED', mode: bead.mode, reason };
    case SYSTEM_SETTERS.guard:
      return { type: 'GUARD_VIOLATION', reason };
    case SYSTEM_SETTERS.log:
      return { type: 'LOG_UNAVAILABLE', reason };
    default:
      return undefined;
  }
}

function landed(bead: BeadOf<'KILL_FLAG'>, s: KillSwitchSnapshot): boolean {
  if (bead.data.state === 'CLEARED') return s.matches('ARMED');
  const last = s.context.setBy.at(-1);
  return s.matches('SET') && last?.who === bead.data.who && last.reason === bead.data.reason;
}

/**
 * `counts` (issue 17) says whether a CLEARED bead clears anything: the host
 * passes its rule (its own sealed clear, or in PAPER and MOCK an operator's
 * clear from the CLI); a clear it does not count is a request at most, and is
 * left out. A SET always counts: anything may stop trading.
 */
export function replayKillSwitch(beads: readonly Bead[], counts: (cleared: BeadOf<'KILL_FLAG'>) => boolean = () => true): ReplayResult<KillSwitchSnapshot> {
  let snapshot = initialTransition(killSwitchMachine)[0];
  const anomalies: string[] = [];
  for (const bead of beads) {
    if (bead.bead_type !== 'KILL_FLAG') {
      anomalies.push(`${bead.bead_id}: a ${bead.bead_type} bead does not belong to the killswitch stream`);
      continue;
    }
    if (bead.data.state === 'CLEARED' && !counts(bead)) continue;
    const event = killSwitchEventOf(bead);
    const next = event && transition(killSwitchMachine, snapshot, event)[0];
    if (next === undefined || !landed(bead, next)) {
      anomalies.push(`${bead.bead_id}: ${bead.data.state} by ${bead.data.who} does not follow ${describeKillSwitch(snapshot)}`);
      continue;
    }
    snapshot = next;
  }
  return { snapshot, anomalies };
}

export function killFlagOf(s: KillSwitchSnapshot): 'ARMED' | 'SET' {
  return s.matches('SET') ? 'SET' : 'ARMED';
}

export function describeKillSwitch(s: KillSwitchSnapshot): string {
  if (s.matches('ARMED')) {
    const cleared = s.context.lastCleared;
    return cleared ? `ARMED (last cleared by ${cleared.who}: ${cleared.reason})` : 'ARMED';
  }
  return `SET by ${s.context.setBy.map((x) => `${x.who} (${x.reason})`).join(', then ')}`;
}

/** The `phoenix replay` hook; register it in tools/replay/machineReplayers.ts. */
export const killSwitchReplayer: MachineReplayerShape = {
  machine: 'killswitch',
  owns: (stream) => stream === streams.killswitch,
  stateAfter(beads) {
    const { snapshot, anomalies } = replayKillSwitch(beads);
    return anomalies.length === 0 ? describeKillSwitch(snapshot) : `${describeKillSwitch(snapshot)} [${anomalies.length} bead(s) did not fit]`;
  },
};
