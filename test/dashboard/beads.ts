import { type Bead, type BeadData, type BeadDraft, type BeadType, type Mode, stamp, validateBead } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';

/** Second 0 of every dashboard scenario. */
export const T0 = Date.parse('2026-11-24T09:00:00.000Z');

export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

export interface BeadOptions {
  /** Seconds after T0. */
  t?: number;
  stream?: string;
  mode?: Mode;
  host?: string;
  correlation?: string;
}

/** A bead exactly as the log would hold it: stamped, then validated like an append. */
export function bead<T extends BeadType>(type: T, data: BeadData<T>, options: BeadOptions = {}): Bead {
  const draft = {
    bead_type: type,
    stream: options.stream ?? `${type.toLowerCase()}-test`,
    correlation_id: options.correlation ?? `corr-${type.toLowerCase()}`,
    data,
  } as BeadDraft;
  return validateBead(
    stamp(draft, { bead_id: uuidV7Ids.next(), ts: at(options.t ?? 0), host_id: options.host ?? 'phoenix-1', mode: options.mode ?? 'PAPER' }),
  );
}

const CHECKS_OK = { process_alive: true, ibkr_connected: true, semantic_healthy: true };

export const beads = {
  hostStarted: (o: BeadOptions = {}) => bead('HOST', { event: 'STARTED', version: '0.1.0', config_hash: 'cfg-1', pid: 4242, hostname: 'desk' }, o),
  hostStopping: (o: BeadOptions = {}) => bead('HOST', { event: 'STOPPING', version: '0.1.0', config_hash: 'cfg-1', pid: 4242, reason: 'SIGTERM' }, o),
  heartbeat: (o: BeadOptions = {}) => bead('HEARTBEAT', { status: 'HEALTHY', checks: CHECKS_OK }, o),
  degraded: (message: string, o: BeadOptions = {}) =>
    bead('HEARTBEAT', { status: 'DEGRADED', checks: { ...CHECKS_OK, semantic_healthy: false }, details: [{ check: 'orders_flowing', message }] }, o),
  missed: (missCount: number, o: BeadOptions = {}) =>
    bead('HEARTBEAT', { status: 'MISSED', checks: { ...CHECKS_OK, process_alive: false }, miss_count: missCount }, o),
  session: (event: 'CONNECT' | 'DISCONNECT' | 'RECONNECT', extra: { attempt?: number; escalated?: boolean; reason?: string } = {}, o: BeadOptions = {}) =>
    bead(
      'IBKR_SESSION',
      {
        event,
        mode: 'PAPER',
        account: 'DU1234567',
        port: 4002,
        reconnect_attempt: extra.attempt ?? 0,
        ...(extra.escalated !== undefined && { escalated: extra.escalated }),
        ...(extra.reason !== undefined && { reason: extra.reason }),
      },
      o,
    ),
  position: (
    id: string,
    state: BeadData<'POSITION'>['state'],
    extra: Partial<BeadData<'POSITION'>> = {},
    o: BeadOptions = {},
  ) =>
    bead('POSITION', { position_id: id, state, pair: 'EURUSD', side: 'LONG', quantity: 20000, avg_price: 1.085, stop: 1.082, target: 1.091, ...extra }, o),
  approval: (intentId: string, event: BeadData<'APPROVAL'>['event'], extra: Partial<BeadData<'APPROVAL'>> = {}, o: BeadOptions = {}) =>
    bead('APPROVAL', { intent_id: intentId, event, ...extra }, o),
  alert: (
    alertId: string,
    event: BeadData<'ALERT'>['event'],
    extra: Partial<BeadData<'ALERT'>> = {},
    o: BeadOptions = {},
  ) =>
    bead(
      'ALERT',
      {
        event,
        alert_id: alertId,
        alert_type: 'CONNECTION_LOST',
        severity: 'CRITICAL',
        message: 'IB Gateway connection lost',
        runbook_id: 'RB-001',
        dedupe_key: `dedupe-${alertId}`,
        ...extra,
      },
      o,
    ),
  reconciliation: (result: 'MATCH' | 'DRIFT', drift: BeadData<'RECONCILIATION'>['drift'] = [], o: BeadOptions = {}) =>
    bead(
      'RECONCILIATION',
      {
        result,
        trigger: 'PERIODIC',
        broker: { positions: [{ pair: 'EURUSD', quantity: 40000 }], open_orders: [] },
        local: { positions: [{ pair: 'EURUSD', quantity: 20000 }], open_orders: [] },
        drift,
      },
      o,
    ),
  killFlag: (state: 'SET' | 'CLEARED', who: string, reason: string, o: BeadOptions = {}) => bead('KILL_FLAG', { state, who, reason }, o),
};
