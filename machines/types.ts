import type { AnyMachineSnapshot } from 'xstate';
import type { Bead, BeadDraft } from '../beads/index.ts';

/**
 * What the machines hand to the host. Machines never append or alert
 * themselves: they emit these through XState's `emit`, and the host (listening
 * with `actor.on`) stamps, appends and routes them.
 */

/**
 * A bead to append. `at` is the epoch-ms time of the fact when the machine was
 * given one (for example the moment a connection was lost): the host stamps
 * the bead's `ts` with it, so that replay can recover the time from the bead.
 * Without `at` the host stamps its own clock.
 */
export interface BeadEmitted {
  type: 'bead';
  draft: BeadDraft;
  at?: number;
}

/**
 * Alert types the machines and guards raise. Their severity and runbook live
 * in the one classification table (actors/notify/alertTypes.ts); a test keeps
 * this list inside that table.
 */
export const RAISED_ALERT_TYPES = [
  'CONNECTION_LOST',
  'CONNECTION_RESTORED',
  'CONNECTION_ESCALATED',
  'GATEWAY_MAINTENANCE',
  'GATEWAY_RESTARTED',
  'GUARD_VIOLATION',
  'KILL_FLAG_SET',
  'LOG_UNAVAILABLE',
] as const;
export type RaisedAlertType = (typeof RAISED_ALERT_TYPES)[number];

/**
 * THE alert request: what a machine, a guard or an actor asks the alert
 * pipeline (the outbox) to tell the operator. Machines emit it as is (its
 * `type` names the emitted event); the one alert sink takes it as is. The
 * same dedupe key is not resent within its window. `T` narrows the types an
 * emitter may raise; the classification table (actors/notify/alertTypes.ts)
 * gives each its severity and runbook.
 */
export interface AlertRequest<T extends string = RaisedAlertType> {
  type: 'alert';
  alertType: T;
  message: string;
  dedupeKey: string;
  correlationId: string;
  causationId?: string;
  /** Extra facts, shown as "key: value" lines under the message. */
  details?: Record<string, string | number | boolean>;
  /** 'resolve' says the condition is over ("RESOLVED: …"); the default raises. */
  action?: 'raise' | 'resolve';
  /** Only to escalate a WARNING type that lasted (S6.2); otherwise the table's severity applies. */
  severity?: 'CRITICAL';
}

/** Who asked for something. Authentication happens at the boundary (CLI, Telegram); machines trust this. */
export interface HumanActor {
  kind: 'human';
  /** The operator's name on the CLI, or the Telegram user id. */
  id: string;
  channel: 'CLI' | 'TELEGRAM' | 'DASHBOARD';
}

export interface SystemActor {
  kind: 'system';
  /** The component that asked, e.g. `reconciliation`, `submit-guard`, `event-log`. */
  component: string;
}

export type Requester = HumanActor | SystemActor;

/** The form a requester takes in a bead's `who` field: `cli:alice`, `telegram:1234`, `system:reconciliation`. */
export function whoOf(requester: Requester): string {
  // A blank name still yields a readable, parseable `who`: a halt is never refused for want of one.
  if (requester.kind === 'human') return `${requester.channel.toLowerCase()}:${requester.id.trim() || 'unknown'}`;
  return `system:${requester.component.trim() || 'unknown'}`;
}

/** The inverse of `whoOf`; undefined for a string no requester produces. */
export function requesterOf(who: string): Requester | undefined {
  const colon = who.indexOf(':');
  if (colon <= 0 || colon === who.length - 1) return undefined;
  const prefix = who.slice(0, colon);
  const rest = who.slice(colon + 1);
  if (prefix === 'system') return { kind: 'system', component: rest };
  const channel = prefix.toUpperCase();
  if (channel === 'CLI' || channel === 'TELEGRAM' || channel === 'DASHBOARD') return { kind: 'human', id: rest, channel };
  return undefined;
}

/**
 * The shape `phoenix replay` expects (tools/replay/machineReplayers.ts). It is
 * repeated here because machines never import tools; structural typing makes
 * the two interchangeable.
 */
export interface MachineReplayerShape {
  machine: string;
  owns(stream: string): boolean;
  stateAfter(beads: readonly Bead[]): string;
}

/** A replay result: the rebuilt snapshot plus the beads that did not fit the machine, said in words. */
export interface ReplayResult<TSnapshot> {
  snapshot: TSnapshot;
  anomalies: string[];
}

/**
 * The events a pure `transition()` asked to emit. XState resolves every `emit`
 * to an `xstate.emit` action carrying the event; this reads them without
 * executing anything.
 */
export function emittedBy<TEmitted>(actions: readonly { type: string; params?: unknown }[]): TEmitted[] {
  const out: TEmitted[] = [];
  for (const action of actions) {
    if (action.type === 'xstate.emit') out.push((action.params as { event: TEmitted }).event);
  }
  return out;
}

/** The part of a snapshot that replay must reproduce: where the machine is and what it knows. */
export function comparableSnapshot(snapshot: AnyMachineSnapshot): { value: unknown; context: unknown; status: string } {
  return { value: snapshot.value, context: snapshot.context, status: snapshot.status };
}
