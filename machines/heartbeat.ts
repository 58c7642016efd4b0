import { assign, emit, enqueueActions, type SnapshotFrom, setup } from 'xstate';
import type { AlertRequest } from './types.ts';
import { type BeadDraft, streams } from '../beads/index.ts';

/**
 * The heartbeat and health machine (S3.4, S6.2). Every check result comes in
 * as a CHECKED event carrying its own time; the machine decides the health
 * state, emits the HEARTBEAT bead draft for it, and asks for the alerts the
 * facts call for. It does no I/O and reads no clock: the only time it keeps is
 * the named delay that escalates a lasting degradation.
 */

export type HealthStatus = 'HEALTHY' | 'DEGRADED' | 'CRITICAL';

/** One finding of a check, exactly as the HEARTBEAT bead's `details` holds it. */
export interface CheckDetail {
  check: string;
  message: string;
  subject?: string;
}

/** Checks whose failure means the host itself is down or blind: CRITICAL, never merely DEGRADED. */
export const PROCESS_CHECK = 'process_alive';
export const CONNECTION_CHECK = 'ibkr_connected';
/** A detail the machine adds itself once a degradation is escalated; it is not a finding. */
export const ESCALATION_NOTE = 'escalation';
/** The semantic check whose findings also raise a SUBSCRIPTION_DEAD alert per pair. */
export const SUBSCRIPTIONS_CHECK = 'subscriptions_alive';

/**
 * The marker for a WARNING re-raised as CRITICAL. Escalation happens here and
 * nowhere else; the notifier only treats the escalated key as part of its base
 * key's episode, so a resolution ends both.
 */
export const ESCALATED_SUFFIX = '#escalated';

export const DEFAULT_ESCALATE_AFTER_MS = 5 * 60_000;

export function isSemanticCheck(check: string): boolean {
  return check !== PROCESS_CHECK && check !== CONNECTION_CHECK && check !== ESCALATION_NOTE;
}

export interface CheckedEvent {
  type: 'CHECKED';
  /** Epoch ms at which the check sampled the host; it becomes the bead's `ts`. */
  at: number;
  processAlive: boolean;
  ibkrConnected: boolean;
  /** Every finding, process and connection ones included. Empty when all is well. */
  details: CheckDetail[];
}

export type HeartbeatEvent = CheckedEvent;

/** Alert types this machine raises; a test keeps them inside the classification table. */
export type HeartbeatAlertType = 'HEALTH_DEGRADED' | 'SUBSCRIPTION_DEAD' | 'HOST_DOWN';

export type HeartbeatAlertRequest = AlertRequest<HeartbeatAlertType> & { action: 'raise' | 'resolve' };

export interface HeartbeatBeadRequest {
  type: 'bead';
  draft: BeadDraft;
  /** The check's time: the host stamps it as the bead's `ts`, so replay recovers it. */
  at: number;
}

export type HeartbeatEmitted = HeartbeatBeadRequest | HeartbeatAlertRequest;

interface FiringAlert {
  alertType: HeartbeatAlertType;
  message: string;
}

export interface HeartbeatContext {
  hostId: string;
  escalateAfterMs: number;
  lastCheckAt: number | null;
  /** When the current DEGRADED spell began; null outside DEGRADED. */
  degradedSince: number | null;
  /** When the current DEGRADED spell was escalated; null until then. */
  escalatedAt: number | null;
  /** Alerts this machine has raised and not yet resolved, by dedupe key. */
  firing: Record<string, FiringAlert>;
}

export interface HeartbeatInput {
  hostId: string;
  /** S6.2: 5 min, times TIME_SCALE. */
  escalateAfterMs?: number;
}

/** The health a check result means (S3.4): process or connection down is CRITICAL; any semantic finding is DEGRADED. */
export function statusOf(event: Pick<CheckedEvent, 'processAlive' | 'ibkrConnected' | 'details'>): HealthStatus {
  if (!event.processAlive || !event.ibkrConnected) return 'CRITICAL';
  return event.details.some((d) => isSemanticCheck(d.check)) ? 'DEGRADED' : 'HEALTHY';
}

export const degradedKey = (hostId: string) => `HEALTH_DEGRADED:${hostId}`;

/** The alerts the facts of one check call for, by dedupe key. Connection loss is left to the connection machine, which sees it first. */
export function alertsWanted(hostId: string, event: CheckedEvent): Record<string, FiringAlert> {
  const wanted: Record<string, FiringAlert> = {};
  const semantic = event.details.filter((d) => isSemanticCheck(d.check));
  if (semantic.length > 0) {
    wanted[degradedKey(hostId)] = {
      alertType: 'HEALTH_DEGRADED',
      message: `Health DEGRADED on ${hostId}: ${semantic.map((d) => d.message).join('; ')}`,
    };
  }
  for (const d of semantic) {
    if (d.check !== SUBSCRIPTIONS_CHECK) continue;
    wanted[`SUBSCRIPTION_DEAD:${hostId}:${d.subject ?? d.message}`] = { alertType: 'SUBSCRIPTION_DEAD', message: d.message };
  }
  if (!event.processAlive) {
    const dead = event.details.filter((d) => d.check === PROCESS_CHECK).map((d) => d.subject ?? d.message);
    wanted[`HOST_DOWN:${hostId}:actors`] = {
      alertType: 'HOST_DOWN',
      message: `Host ${hostId} is running but part of it has stopped${dead.length ? `: ${dead.join(', ')}` : ''}`,
    };
  }
  return wanted;
}

function heartbeatDraft(context: HeartbeatContext, event: CheckedEvent): HeartbeatBeadRequest {
  const details: CheckDetail[] = event.details.map((d) => ({ ...d }));
  if (context.escalatedAt !== null) {
    const minutes = Math.round(context.escalateAfterMs / 60_000);
    details.push({ check: ESCALATION_NOTE, message: `degraded for ${minutes} min or more: escalated to CRITICAL` });
  }
  return {
    type: 'bead',
    at: event.at,
    draft: {
      bead_type: 'HEARTBEAT',
      stream: streams.heartbeat(context.hostId),
      correlation_id: `heartbeat-${context.hostId}`,
      data: {
        status: statusOf(event),
        checks: {
          process_alive: event.processAlive,
          ibkr_connected: event.ibkrConnected,
          semantic_healthy: !event.details.some((d) => isSemanticCheck(d.check)),
        },
        ...(details.length > 0 ? { details } : {}),
        miss_count: 0,
      },
    },
  };
}

export const heartbeatMachine = setup({
  types: {} as {
    context: HeartbeatContext;
    events: HeartbeatEvent;
    input: HeartbeatInput;
    emitted: HeartbeatEmitted;
  },
  guards: {
    hostOrConnectionDown: ({ event }) => statusOf(event) === 'CRITICAL',
    semanticIssues: ({ event }) => statusOf(event) === 'DEGRADED',
  },
  delays: {
    degradedEscalation: ({ context }) => context.escalateAfterMs,
  },
  actions: {
    noteCheck: assign({ lastCheckAt: ({ event }) => event.at }),
    recordHeartbeat: emit(({ context, event }) => heartbeatDraft(context, event)),
    // Raise what the facts now call for, resolve what they no longer do: alerts follow the checks, never a stale memory.
    syncAlerts: enqueueActions(({ context, event, enqueue }) => {
      const wanted = alertsWanted(context.hostId, event);
      const correlationId = `heartbeat-${context.hostId}`;
      for (const [key, alert] of Object.entries(wanted)) {
        if (!(key in context.firing)) enqueue.emit({ type: 'alert', action: 'raise', dedupeKey: key, correlationId, ...alert });
      }
      for (const [key, alert] of Object.entries(context.firing)) {
        if (!(key in wanted)) enqueue.emit({ type: 'alert', action: 'resolve', dedupeKey: key, correlationId, alertType: alert.alertType, message: `Resolved on ${context.hostId}: ${alert.message}` });
      }
      // A firing alert keeps the message it was raised with: that is the one the operator saw.
      const firing: Record<string, FiringAlert> = {};
      for (const [key, alert] of Object.entries(wanted)) firing[key] = context.firing[key] ?? alert;
      enqueue.assign({ firing });
    }),
    markDegraded: assign({ degradedSince: ({ event }) => event.at, escalatedAt: null }),
    clearDegraded: assign({ degradedSince: null, escalatedAt: null }),
    // The delayed event carries no time of its own; the escalation happened exactly one delay after the spell began.
    markEscalated: assign({ escalatedAt: ({ context }) => (context.degradedSince ?? 0) + context.escalateAfterMs }),
    raiseEscalation: emit(({ context }) => {
      const key = degradedKey(context.hostId);
      const minutes = Math.round(context.escalateAfterMs / 60_000);
      const what = context.firing[key]?.message ?? `Health DEGRADED on ${context.hostId}`;
      return {
        type: 'alert' as const,
        action: 'raise' as const,
        alertType: 'HEALTH_DEGRADED' as const,
        severity: 'CRITICAL' as const,
        dedupeKey: key + ESCALATED_SUFFIX,
        message: `${what} — unresolved for ${minutes} min, escalated to CRITICAL`,
        correlationId: `heartbeat-${context.hostId}`,
      };
    }),
  },
}).createMachine({
  id: 'heartbeat',
  context: ({ input }) => ({
    hostId: input.hostId,
    escalateAfterMs: input.escalateAfterMs ?? DEFAULT_ESCALATE_AFTER_MS,
    lastCheckAt: null,
    degradedSince: null,
    escalatedAt: null,
    firing: {},
  }),
  initial: 'STARTING',
  on: {
    CHECKED: [
      { guard: 'hostOrConnectionDown', target: '.CRITICAL', actions: ['noteCheck', 'recordHeartbeat', 'syncAlerts'] },
      { guard: 'semanticIssues', target: '.DEGRADED', actions: ['noteCheck', 'recordHeartbeat', 'syncAlerts'] },
      { target: '.HEALTHY', actions: ['noteCheck', 'recordHeartbeat', 'syncAlerts'] },
    ],
  },
  states: {
    STARTING: {},
    HEALTHY: {},
    CRITICAL: {},
    DEGRADED: {
      entry: 'markDegraded',
      exit: 'clearDegraded',
      initial: 'warning',
      on: {
        // Still degraded: stay put so the escalation delay keeps counting from the start of the spell.
        CHECKED: [
          { guard: 'hostOrConnectionDown', target: '#heartbeat.CRITICAL', actions: ['noteCheck', 'recordHeartbeat', 'syncAlerts'] },
          { guard: 'semanticIssues', actions: ['noteCheck', 'recordHeartbeat', 'syncAlerts'] },
          { target: '#heartbeat.HEALTHY', actions: ['noteCheck', 'recordHeartbeat', 'syncAlerts'] },
        ],
      },
      states: {
        warning: {
          after: { degradedEscalation: { target: 'escalated', actions: ['markEscalated', 'raiseEscalation'] } },
        },
        escalated: {},
      },
    },
  },
});

export type HeartbeatSnapshot = SnapshotFrom<typeof heartbeatMachine>;

/** The health a snapshot stands for; STARTING (no check yet) reads as undefined. */
export function healthOf(snapshot: HeartbeatSnapshot): HealthStatus | undefined {
  if (snapshot.matches('HEALTHY')) return 'HEALTHY';
  if (snapshot.matches('DEGRADED')) return 'DEGRADED';
  if (snapshot.matches('CRITICAL')) return 'CRITICAL';
  return undefined;
}
