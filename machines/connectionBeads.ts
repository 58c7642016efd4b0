import { type BeadData, type BeadDraft, streams } from '../beads/index.ts';
import {
  ATTEMPT_TIMEOUT_REASON,
  type ConnectionContext,
  type ConnectionEvent,
  correlationOf,
  PROBE_TIMEOUT_REASON,
} from './connectionVocabulary.ts';
import type { AlertRequest, BeadEmitted } from './types.ts';

/** What the connection machine writes and raises, in one place: connection.ts wires these into its actions. */

type SessionFields = Omit<BeadData<'IBKR_SESSION'>, 'mode' | 'account' | 'port'>;

export function sessionBead(context: ConnectionContext, fields: SessionFields, at?: number): BeadEmitted {
  const draft: BeadDraft = {
    bead_type: 'IBKR_SESSION',
    stream: streams.connection(context.host),
    correlation_id: correlationOf(context),
    data: { mode: context.mode, account: context.account, port: context.port, ...fields },
  };
  return at === undefined ? { type: 'bead', draft } : { type: 'bead', draft, at };
}

/** The dedupe key an alert type is raised under, per host. */
function dedupeKeyOf(context: ConnectionContext, alertType: AlertRequest['alertType']): string {
  // A restoration is the RESOLVED notice of the loss, so it must carry the loss's dedupe key.
  const keyType = alertType === 'CONNECTION_RESTORED' ? 'CONNECTION_LOST' : alertType;
  return `${keyType}:${context.host}`;
}

export function alert(context: ConnectionContext, alertType: AlertRequest['alertType'], message: string): AlertRequest {
  return { type: 'alert', alertType, message, dedupeKey: dedupeKeyOf(context, alertType), correlationId: correlationOf(context) };
}

/** Why an attempt ended; a delayed (timeout) event carries no reason of its own. */
export function failureReason(event: { type: string }): string {
  const e = event as ConnectionEvent;
  switch (e.type) {
    case 'ATTEMPT_FAILED':
    case 'CONNECTION_LOST':
      return e.reason;
    case 'PROBE_TIMEOUT':
      return PROBE_TIMEOUT_REASON;
    default:
      return ATTEMPT_TIMEOUT_REASON;
  }
}

/**
 * A loss inside the maintenance window says so in its DISCONNECT bead, with
 * the window and its end: replay reads both back (connectionReplay.ts).
 */
export const MAINTENANCE_PREFIX = 'in the maintenance window ';
const MAINTENANCE_REASON = /^in the maintenance window (.+?) until (\S+): ([\s\S]*)$/;

export function maintenanceReason(windowText: string, until: number, reason: string): string {
  return `${MAINTENANCE_PREFIX}${windowText} until ${new Date(until).toISOString()}: ${reason}`;
}

export function parseMaintenanceReason(text: string): { windowText: string; until: number; reason: string } | undefined {
  const m = MAINTENANCE_REASON.exec(text);
  if (!m) return undefined;
  const until = Date.parse(m[2]!);
  return Number.isNaN(until) ? undefined : { windowText: m[1]!, until, reason: m[3]! };
}

/** Why a returning gateway counts as restarted (RB-007), or undefined when it does not. */
export function restartReason(context: ConnectionContext, event: { type: string }): string | undefined {
  if (event.type !== 'VALIDATION_PASSED') return undefined;
  const version = (event as Extract<ConnectionEvent, { type: 'VALIDATION_PASSED' }>).serverVersion;
  if (context.maintenanceUntil !== null) return `back after its daily restart in the maintenance window ${context.maintenance?.text ?? ''}`.trimEnd();
  if (version !== undefined && context.serverVersion !== null && version !== context.serverVersion) {
    return `server version ${context.serverVersion} → ${version} (an update)`;
  }
  return undefined;
}
