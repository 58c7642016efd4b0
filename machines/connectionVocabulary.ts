import type { Mode } from '../beads/index.ts';
import type { MaintenanceWindow } from './connectionWindow.ts';
import type { AlertRequest, BeadEmitted } from './types.ts';

/**
 * The connection machine's vocabulary (S3.1): what the connector tells it,
 * what it asks back, and the constants both sides rely on. The machine itself
 * is in connection.ts, which re-exports all of this.
 */

/** Wait before attempt 1, 2 and 3: 65 s in all, then escalation. There are no endless retries. */
export const RECONNECT_BACKOFF_MS = [5_000, 15_000, 45_000] as const;
export const MAX_RECONNECT_ATTEMPTS = RECONNECT_BACKOFF_MS.length;
/** A connect or validation that never answers must not hold the machine forever. */
export const ATTEMPT_TIMEOUT_MS = 15_000;

export const PROBE_TIMEOUT_REASON = 'liveness probe unanswered (half-open gateway)';
export const ATTEMPT_TIMEOUT_REASON = `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
/**
 * IBKR_SESSION has no event of its own for a failed guard, so the DISCONNECT
 * that ends such a session says so in its reason; replay reads it back.
 */
export const GUARD_FAILED_PREFIX = 'guard failed: ';
export const ESCALATION_MESSAGE = 'Connection rotting — run RB-001';

export interface ConnectionInput {
  host: string;
  /** This process run: one machine lives for one run, and its beads' correlation ids start with it. */
  runId: string;
  mode: Mode;
  account: string;
  port: number;
  /** Multiplies every delay; 1 in production, e.g. 0.001 in tests. */
  timeScale?: number;
  /** IBKR_MAINTENANCE_WINDOW: a loss inside it waits for its end before the attempts (S3.1). */
  maintenance?: MaintenanceWindow;
}

export interface ConnectionContext {
  host: string;
  runId: string;
  mode: Mode;
  account: string;
  port: number;
  timeScale: number;
  /** 0 outside an outage; 1..3 while a reconnect attempt is under way or has just failed. */
  attempt: number;
  /** Outages in this run; it numbers their correlation ids. */
  outage: number;
  /** Epoch ms the session was lost; executions since then must be recovered. Null when none was lost. */
  lostAt: number | null;
  lastReason: string | null;
  serverVersion: number | null;
  maintenance: MaintenanceWindow | null;
  /** Epoch ms the maintenance window of the current outage ends; null when the loss was outside one. */
  maintenanceUntil: number | null;
}

/** What the connector actor tells the machine. */
export type ConnectionEvent =
  | { type: 'CONNECT_REQUESTED' }
  | { type: 'SOCKET_CONNECTED' }
  /** The startup guards (actors/broker/startupGuards.ts) passed against the broker's answers. */
  | { type: 'VALIDATION_PASSED'; serverVersion?: number }
  | { type: 'VALIDATION_FAILED'; reason: string }
  /** The socket closed, or the gateway reported connectivity lost. `at` is the epoch-ms time of the loss. */
  | { type: 'CONNECTION_LOST'; reason: string; at: number }
  /** The liveness probe went unanswered: the gateway is half-open. `at` is the last sign of life. */
  | { type: 'PROBE_TIMEOUT'; at: number }
  /** A connect attempt failed, e.g. "client id in use (326)". */
  | { type: 'ATTEMPT_FAILED'; reason: string };

/**
 * What the machine asks the connector to do. The actor runs them one at a
 * time in the order emitted: after a reconnect that order is S3.1's
 * (resync, then resubscribe, then reconcile), guards having passed already.
 */
export type ConnectionCommand =
  | { type: 'command'; command: 'connect'; attempt: number }
  | { type: 'command'; command: 'validate'; attempt: number }
  | { type: 'command'; command: 'disconnect'; reason: string }
  /**
   * Open orders, positions, and executions since `since` (epoch ms; null: all
   * the broker still has). After a gateway restart the resync is full: a
   * restarted gateway may keep its clock in another zone, so no time filter is trusted.
   */
  | { type: 'command'; command: 'resync'; since: number | null }
  | { type: 'command'; command: 'resubscribe' }
  | { type: 'command'; command: 'reconcile'; trigger: 'STARTUP' | 'RECONNECT' };

export type ConnectionEmitted = BeadEmitted | AlertRequest | ConnectionCommand;

/** One story per outage: the DISCONNECT, its attempts and the CONNECT or escalation that ends it. */
export function correlationOf(context: Pick<ConnectionContext, 'runId' | 'outage'>): string {
  return context.outage === 0 ? context.runId : `${context.runId}/outage-${context.outage}`;
}

/** The run a connection bead's correlation id belongs to. */
export function runOf(correlationId: string): string {
  const cut = correlationId.indexOf('/outage-');
  return cut === -1 ? correlationId : correlationId.slice(0, cut);
}
