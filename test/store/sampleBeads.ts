import { BEAD_TYPES, type Bead, type BeadDraft, type BeadType, stamp, validateBead } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';

/**
 * One valid bead of each type, as the log holds them: the starting points
 * of the stored-data properties (each is then damaged at random). Types
 * added since are left out rather than guessed at.
 */
const DATA: { [T in BeadType]?: Extract<BeadDraft, { bead_type: T }>['data'] } = {
  IBKR_SESSION: { event: 'CONNECT', mode: 'PAPER', account: 'DU123456', port: 4002, server_version: 176, reconnect_attempt: 0 },
  HEARTBEAT: { status: 'DEGRADED', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: false }, details: [{ check: 'orders_flowing', message: 'stale', subject: 'o-1' }], miss_count: 0 },
  INTENT: {
    outcome: 'ACCEPTED',
    intent: { intent_id: 'i-1', signal: 'READY', pair: 'EURUSD', confidence: 0.8, entry: 1.085, stop: 1.082, target: 1.091, setup_type: 'FVG_ENTRY', created_at: '2026-11-24T09:00:00.000Z' },
    source_file: 'i-1.yaml',
    content_hash: 'sha256:ab',
  },
  APPROVAL: { intent_id: 'i-1', event: 'DECISION', decision: 'APPROVE', decided_by: 'alice', channel: 'TERMINAL', evidence: { price: 1.085 } },
  ORDER: { event: 'STATUS', order_ref: 'i-1-entry', order_id: 7, perm_id: 900, role: 'ENTRY', position_id: 'i-1', pair: 'EURUSD', action: 'BUY', quantity: 20000, order_type: 'LMT', limit_price: 1.085, status: 'Filled', filled: 20000, remaining: 0, avg_fill_price: 1.085 },
  FILL: { exec_id: 'e-1', order_id: 7, order_ref: 'i-1-entry', position_id: 'i-1', pair: 'EURUSD', side: 'BUY', quantity: 20000, price: 1.085, commission: 2, time: '2026-11-24T09:00:01.000Z' },
  POSITION: { position_id: 'i-1', state: 'CLOSED', previous_state: 'MANAGED', pair: 'EURUSD', side: 'LONG', quantity: 20000, avg_price: 1.085, stop: 1.082, target: 1.091, unrealised_pnl: 0, realised_pnl: 120 },
  AUTOPSY: { position_id: 'i-1', pair: 'EURUSD', side: 'LONG', quantity: 20000, entry_price: 1.085, exit_price: 1.091, pnl: 120, r_multiple: 2, duration_s: 60, slippage_pips: 0.1, exit_reason: 'TARGET' },
  RECONCILIATION: {
    result: 'DRIFT',
    trigger: 'PERIODIC',
    broker: { positions: [{ pair: 'EURUSD', quantity: 20000, avg_price: 1.085 }], open_orders: [{ order_id: 8, order_ref: 'i-1-stop', status: 'Submitted' }] },
    local: { positions: [], open_orders: [] },
    drift: [{ kind: 'POSITION', subject: 'EURUSD', broker: '20000', local: '0' }],
  },
  ALERT: { event: 'RAISED', alert_id: 'a-1', alert_type: 'RECONCILIATION_DRIFT', severity: 'CRITICAL', message: 'drift', runbook_id: 'RB-002', dedupe_key: 'drift' },
  KILL_FLAG: { state: 'SET', reason: 'drill', who: 'cli:alice' },
  HALT: { step: 'ORDERS_CANCELLED', flatten: false, who: 'cli:alice', elapsed_ms: 12, count: 2 },
  CONFIG: { config_hash: 'abc', params: { IBKR_MODE: 'paper', ORDER_UNITS: 20000, IBKR_ALLOW_LIVE: false } },
  CONFIG_CHANGE: { key: 'ORDER_UNITS', old_value: 20000, new_value: 10000, who: 'cli:alice' },
  PROMOTION: { state: 'PAPER_VALIDATED', previous: 'SHADOW', reason: 'gates met' },
  BUNNY: { run_id: 'r-1', vector_id: 'CV_S33_1', result: 'PASS', evidence: 'ok', wave: 1, run_scope: 'FULL', details: { beads: ['b'], counts: { alerts: 1 }, timings_ms: { detect: 20 } } },
  DRILL: { runbook_id: 'RB-004', event: 'FINISHED', resolution_ms: 812, outcome: 'PASS' },
  HOST: { event: 'STARTED', version: '0.1.0', config_hash: 'abc', pid: 4242, hostname: 'desk' },
  SECURITY: { who: 'telegram:99', channel: 'TELEGRAM', why: 'not an allowed user' },
  LEASE: { event: 'ACQUIRED', holder: 'phoenix-1', pid: 4242, hostname: 'desk', expires_at: '2026-11-24T09:01:30.000Z' },
  UX_CONFIRMATION: { who: 'alice', note: 'fine', flows: 3, median_ms: 9000 },
};

const STREAMS: Partial<Record<BeadType, string>> = { IBKR_SESSION: 'connection-phoenix-1', HEARTBEAT: 'heartbeat-phoenix-1', KILL_FLAG: 'killswitch', ALERT: 'alerts' };

export function sampleBeads(): Bead[] {
  let at = Date.parse('2026-11-24T09:00:00.000Z');
  return BEAD_TYPES.filter((type) => DATA[type] !== undefined).map((type) => {
    at += 1000;
    const draft = { bead_type: type, stream: STREAMS[type] ?? `${type.toLowerCase()}-i-1`, correlation_id: 'i-1', data: DATA[type] } as BeadDraft;
    return validateBead(stamp(draft, { bead_id: uuidV7Ids.next(), ts: new Date(at).toISOString(), host_id: 'phoenix-1', mode: 'PAPER' }));
  });
}
