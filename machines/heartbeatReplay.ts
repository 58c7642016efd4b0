import { initialTransition, transition } from 'xstate';
import type { Bead, BeadOf } from '../beads/index.ts';
import {
  type CheckedEvent,
  ESCALATION_NOTE,
  type HeartbeatEmitted,
  type HeartbeatInput,
  type HeartbeatSnapshot,
  healthOf,
  heartbeatMachine,
} from './heartbeat.ts';

/**
 * Replay of the heartbeat machine through XState's pure transition (S3):
 * nothing executes. The one subtlety is the escalation delay: a live actor's
 * timer fires between checks, so replay keeps the delayed events the machine
 * scheduled on a virtual timeline and delivers each one, in time order,
 * before the first bead that comes after it.
 */

interface Scheduled {
  id: string;
  dueAt: number;
  /** XState's own delayed event (`xstate.after.…`), delivered as the live actor would. */
  event: { type: string };
}

type Action = { type: string; params?: unknown };

export interface HeartbeatReplay {
  snapshot: HeartbeatSnapshot;
  /** Everything the machine asked for during the replay, in order (beads and alerts). */
  emitted: HeartbeatEmitted[];
  /** Beads that did not fit the machine, said in words. */
  anomalies: string[];
}

/** The CHECKED event a host's HEARTBEAT bead records; undefined for the watchdog's MISSED beads, which the host never saw. */
export function checkedEventOf(bead: BeadOf<'HEARTBEAT'>): CheckedEvent | undefined {
  const d = bead.data;
  if (d.status === 'MISSED') return undefined;
  return {
    type: 'CHECKED',
    at: Date.parse(bead.ts),
    processAlive: d.checks.process_alive,
    ibkrConnected: d.checks.ibkr_connected,
    details: (d.details ?? [])
      .filter((x) => x.check !== ESCALATION_NOTE)
      .map((x) => (x.subject === undefined ? { check: x.check, message: x.message } : { check: x.check, message: x.message, subject: x.subject })),
  };
}

/** A replayer that steps the machine one timed event at a time, firing due delayed events first. */
export class HeartbeatReplayer {
  private snapshot: HeartbeatSnapshot;
  private pending: Scheduled[] = [];
  readonly emitted: HeartbeatEmitted[] = [];

  constructor(input: HeartbeatInput) {
    const [snapshot, actions] = initialTransition(heartbeatMachine, input);
    this.snapshot = snapshot;
    this.absorb(actions, 0);
  }

  get current(): HeartbeatSnapshot {
    return this.snapshot;
  }

  /** Moves virtual time to `at`, delivering every delayed event due by then. */
  advanceTo(at: number): void {
    for (;;) {
      const due = this.pending.filter((p) => p.dueAt <= at).sort((a, b) => a.dueAt - b.dueAt)[0];
      if (!due) return;
      this.pending = this.pending.filter((p) => p !== due);
      this.step(due.event, due.dueAt);
    }
  }

  send(event: CheckedEvent): void {
    this.advanceTo(event.at);
    this.step(event, event.at);
  }

  private step(event: CheckedEvent | Scheduled['event'], at: number): void {
    // A delayed event is not in the machine's public event type, but the machine accepts it: it scheduled it.
    const [next, actions] = transition(heartbeatMachine, this.snapshot, event as CheckedEvent);
    this.snapshot = next;
    this.absorb(actions, at);
  }

  private absorb(actions: readonly Action[], at: number): void {
    for (const action of actions) {
      const params = action.params as { event?: unknown; id?: string; delay?: number; sendId?: string } | undefined;
      if (action.type === 'xstate.emit' && params?.event) this.emitted.push(params.event as HeartbeatEmitted);
      if (action.type === 'xstate.raise' && params?.delay !== undefined && params.id !== undefined) {
        this.pending.push({ id: params.id, dueAt: at + params.delay, event: params.event as Scheduled['event'] });
      }
      if (action.type === 'xstate.cancel' && params?.sendId !== undefined) {
        this.pending = this.pending.filter((p) => p.id !== params.sendId);
      }
    }
  }
}

/**
 * Rebuilds the machine from a heartbeat stream. `until` moves virtual time on
 * past the last bead, as a live actor's clock would have.
 */
export function replayHeartbeat(beads: readonly Bead[], input: HeartbeatInput, until?: number): HeartbeatReplay {
  const replayer = new HeartbeatReplayer(input);
  const anomalies: string[] = [];
  for (const bead of beads) {
    if (bead.bead_type !== 'HEARTBEAT') {
      anomalies.push(`${bead.bead_id}: a ${bead.bead_type} bead on a heartbeat stream`);
      continue;
    }
    const event = checkedEventOf(bead);
    if (event) replayer.send(event);
  }
  if (until !== undefined) replayer.advanceTo(until);
  return { snapshot: replayer.current, emitted: replayer.emitted, anomalies };
}

/** The hook `phoenix replay` uses to print the heartbeat machine's state (tools/replay/machineReplayers.ts). */
export const heartbeatReplayer = {
  machine: 'heartbeat',
  owns: (stream: string) => stream.startsWith('heartbeat-'),
  stateAfter(beads: readonly Bead[]): string {
    const hostId = beads[0]?.stream.slice('heartbeat-'.length) ?? 'unknown';
    const { snapshot } = replayHeartbeat(beads, { hostId });
    const health = healthOf(snapshot) ?? 'STARTING (no check yet)';
    const escalated = snapshot.matches({ DEGRADED: 'escalated' }) ? ' (escalated to CRITICAL)' : '';
    const firing = Object.keys(snapshot.context.firing);
    return `${health}${escalated}${firing.length ? `; alerts firing: ${firing.join(', ')}` : ''}`;
  },
};
