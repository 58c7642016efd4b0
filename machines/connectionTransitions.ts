/**
 * The connection machine's transition fragments, used from several states
 * (machines/connection.ts reads as the S3.1 diagram with these); `as const`
 * keeps the action names checked.
 */
export function initialFailure() {
  return ['recordInitialFailure', 'appendDisconnect', 'requestDisconnect', 'raiseConnectionLost'] as const;
}
export function sessionLost() {
  return ['recordLoss', 'appendDisconnect', 'requestDisconnect', 'raiseConnectionLost'] as const;
}
export function maintenanceLoss() {
  return ['recordLoss', 'recordMaintenanceWait', 'appendMaintenanceDisconnect', 'requestDisconnect', 'raiseMaintenanceLoss'] as const;
}
/** A gateway that came back restarted: its CONNECT says why, then RB-007's warning and a full resync. */
export function restarted<const A extends readonly 'raiseConnectionRestored'[]>(extra: A) {
  // Both before recordServerVersion: they name the version the gateway had before.
  return [
    'appendRestartedConnect',
    ...extra,
    'raiseGatewayRestarted',
    'recordServerVersion',
    'requestFullResync',
    'requestResubscribe',
    'requestReconcile',
    'closeOutage',
  ] as const;
}
export function guardFailure() {
  return ['recordGuardFailure', 'appendGuardFailed', 'requestDisconnect', 'raiseGuardViolation'] as const;
}
export function attemptStart(attempt: 1 | 2 | 3) {
  return [{ type: 'startAttempt', params: { attempt } }, 'appendAttemptStarted'] as const;
}
export function failedAttempt() {
  const recorded = ['recordAttemptFailure', 'appendAttemptFailed', 'requestDisconnect'] as const;
  return [
    { guard: { type: 'isAttempt', params: { attempt: 1 } }, target: '#connection.RECONNECTING.backoff2', actions: recorded },
    { guard: { type: 'isAttempt', params: { attempt: 2 } }, target: '#connection.RECONNECTING.backoff3', actions: recorded },
    // Any other count is the last attempt: escalate rather than risk a fourth.
    { target: '#connection.ESCALATED', actions: [...recorded, 'raiseEscalation'] },
  ] as const;
}
