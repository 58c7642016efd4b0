/**
 * THE alert classification table (S7.1): alert type → severity → runbook → title.
 * One concept, one home: the notifier, the dashboard and INV-OPS-RUNBOOK-1 all
 * read this file, so a new alert type is added here and nowhere else.
 */

export type Severity = 'WARNING' | 'CRITICAL';

/** The runbooks alerts point at (S8), by id, with the file each lives in under `runbooks/`. */
export const RUNBOOKS = {
  'RB-001': 'RB-001_CONNECTION_LOSS',
  'RB-002': 'RB-002_RECONCILIATION_DRIFT',
  'RB-003': 'RB-003_STALLED_POSITION',
  'RB-004': 'RB-004_EMERGENCY_HALT',
  'RB-005': 'RB-005_KILL_FLAG_ACTIVE',
  'RB-006': 'RB-006_TELEGRAM_DOWN',
  'RB-007': 'RB-007_GATEWAY_AUTO_UPDATE',
  'RB-008': 'RB-008_PACING_VIOLATION',
  'RB-009': 'RB-009_GUARD_VIOLATION',
  'RB-010': 'RB-010_HOST_DOWN',
  'RB-011': 'RB-011_HEALTH_DEGRADED',
  'RB-012': 'RB-012_ORDER_REJECTED',
  'RB-013': 'RB-013_LOG_UNAVAILABLE',
  'RB-014': 'RB-014_UNPROTECTED_POSITION',
} as const;

export type RunbookId = keyof typeof RUNBOOKS;

export interface AlertClass {
  severity: Severity;
  runbook: RunbookId;
  /** What the operator reads first on the phone. */
  title: string;
  /** Set on a type that announces the end of another ("RESOLVED: …"). */
  resolves?: string;
  /**
   * A WARNING that is still unresolved after `afterMs` is re-raised as CRITICAL (S6.2). Declared here so
   * that its runbook is checked with the CRITICAL types; the machine that owns the alert carries it out
   * (the heartbeat machine, whose default delay a test keeps equal to this), and nothing else does.
   */
  escalation?: { afterMs: number; to: 'CRITICAL' };
}

const FIVE_MINUTES = 5 * 60_000;

export const ALERT_TYPES = {
  CONNECTION_LOST: { severity: 'CRITICAL', runbook: 'RB-001', title: 'IB connection lost' },
  CONNECTION_ESCALATED: { severity: 'CRITICAL', runbook: 'RB-001', title: 'Connection rotting — run RB-001' },
  CONNECTION_RESTORED: {
    severity: 'WARNING',
    runbook: 'RB-001',
    title: 'IB connection restored',
    resolves: 'CONNECTION_LOST',
  },
  RECONCILIATION_DRIFT: { severity: 'CRITICAL', runbook: 'RB-002', title: 'Reconciliation drift' },
  POSITION_STALLED: { severity: 'WARNING', runbook: 'RB-003', title: 'Position stalled' },
  POSITION_UNPROTECTED: { severity: 'CRITICAL', runbook: 'RB-014', title: 'Position open without its stop' },
  CLOSE_FAILED: { severity: 'CRITICAL', runbook: 'RB-014', title: 'Close not finished' },
  HALT_EXECUTED: { severity: 'CRITICAL', runbook: 'RB-004', title: 'Emergency halt executed' },
  KILL_FLAG_SET: { severity: 'CRITICAL', runbook: 'RB-005', title: 'Kill flag set: trading blocked' },
  TELEGRAM_DOWN: { severity: 'WARNING', runbook: 'RB-006', title: 'Telegram unreachable' },
  GATEWAY_RESTARTED: { severity: 'WARNING', runbook: 'RB-007', title: 'IB Gateway restarted' },
  GATEWAY_MAINTENANCE: { severity: 'WARNING', runbook: 'RB-007', title: 'IB Gateway in its daily restart window' },
  PACING_WARNING: { severity: 'WARNING', runbook: 'RB-008', title: 'IB pacing warning' },
  GUARD_VIOLATION: { severity: 'CRITICAL', runbook: 'RB-009', title: 'Order refused by a guard' },
  HOST_DOWN: { severity: 'CRITICAL', runbook: 'RB-010', title: 'Phoenix host down' },
  HEALTH_DEGRADED: {
    severity: 'WARNING',
    runbook: 'RB-011',
    title: 'Health degraded',
    escalation: { afterMs: FIVE_MINUTES, to: 'CRITICAL' },
  },
  SUBSCRIPTION_DEAD: { severity: 'WARNING', runbook: 'RB-011', title: 'Market-data subscription dead' },
  ORDER_REJECTED: { severity: 'WARNING', runbook: 'RB-012', title: 'Order rejected' },
  APPROVAL_NOT_SENT: { severity: 'WARNING', runbook: 'RB-012', title: 'Approved, but no order went out' },
  LOG_UNAVAILABLE: { severity: 'CRITICAL', runbook: 'RB-013', title: 'Event log unavailable' },
  // The test alert is about the Telegram channel itself, so it points at the Telegram runbook.
  TEST_ALERT: { severity: 'WARNING', runbook: 'RB-006', title: 'Test alert' },
} as const satisfies Record<string, AlertClass>;

export type AlertType = keyof typeof ALERT_TYPES;
export const ALERT_TYPE_NAMES = Object.keys(ALERT_TYPES) as AlertType[];

export type Classification = AlertClass & { type: AlertType };

export function isAlertType(value: string): value is AlertType {
  return Object.hasOwn(ALERT_TYPES, value);
}

export function classify(type: AlertType): Classification {
  return { type, ...(ALERT_TYPES[type] as AlertClass) };
}

/** How a runbook is named in a message: its file stem, which contains the id. */
export function runbookLabel(id: string): string {
  return (RUNBOOKS as Record<string, string>)[id] ?? id;
}

/** The runbook file for an id, relative to the repository root. */
export function runbookPath(id: RunbookId): string {
  return `runbooks/${RUNBOOKS[id]}.md`;
}

/** Every CRITICAL type (including escalation targets) with its runbook: what INV-OPS-RUNBOOK-1 checks. */
export function criticalAlertTypes(): Classification[] {
  return ALERT_TYPE_NAMES.map(classify).filter((c) => c.severity === 'CRITICAL' || c.escalation?.to === 'CRITICAL');
}
