import { assign, emit, setup } from 'xstate';
import { alert, failureReason, maintenanceReason, restartReason, sessionBead } from './connectionBeads.ts';
import {
  ATTEMPT_TIMEOUT_MS,
  type ConnectionCommand,
  type ConnectionContext,
  type ConnectionEmitted,
  type ConnectionEvent,
  type ConnectionInput,
  ESCALATION_MESSAGE,
  GUARD_FAILED_PREFIX,
  MAX_RECONNECT_ATTEMPTS,
  RECONNECT_BACKOFF_MS,
} from './connectionVocabulary.ts';
import { attemptStart, failedAttempt, guardFailure, initialFailure, maintenanceLoss, restarted, sessionLost } from './connectionTransitions.ts';
import { maintenanceEndAfter } from './connectionWindow.ts';

export * from './connectionVocabulary.ts';
export { MAINTENANCE_PREFIX, parseMaintenanceReason } from './connectionBeads.ts';

/**
 * The IB Gateway connection (S3.1). Pure: the connector actor reports what the
 * socket did as events, and this machine answers with beads to append and
 * commands for the actor to carry out. Its only timers are XState `after`
 * delays, named so that tests and TIME_SCALE can shrink them.
 *
 * A loss inside IBKR_MAINTENANCE_WINDOW is the gateway's daily restart: a
 * WARNING, and the attempts wait for the window's end. A gateway that comes
 * back from it, or with another server version, has restarted (RB-007): a
 * GATEWAY_RESTARTED warning, and a full resync.
 */

function scaled(ms: number) {
  return ({ context }: { context: ConnectionContext }) => ms * context.timeScale;
}

/** When the loss `event` reports ends its maintenance window; undefined outside one. */
function windowEndOf(context: ConnectionContext, event: { type: string }): number | undefined {
  const e = event as ConnectionEvent;
  return e.type === 'CONNECTION_LOST' || e.type === 'PROBE_TIMEOUT' ? maintenanceEndAfter(context.maintenance, e.at) : undefined;
}

const command = (c: ConnectionCommand) => c;

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    emitted: {} as ConnectionEmitted,
  },
  delays: {
    reconnectBackoff1: scaled(RECONNECT_BACKOFF_MS[0]),
    reconnectBackoff2: scaled(RECONNECT_BACKOFF_MS[1]),
    reconnectBackoff3: scaled(RECONNECT_BACKOFF_MS[2]),
    attemptTimeout: scaled(ATTEMPT_TIMEOUT_MS),
    // From the loss to the window's end, scaled like every named delay.
    maintenanceWindowEnd: ({ context }) => Math.max(0, (context.maintenanceUntil ?? 0) - (context.lostAt ?? 0)) * context.timeScale,
  },
  guards: {
    isAttempt: ({ context }, params: { attempt: number }) => context.attempt === params.attempt,
    lossInMaintenance: ({ context, event }) => windowEndOf(context, event) !== undefined,
    backFromMaintenance: ({ context }) => context.maintenanceUntil !== null,
    gatewayRestarted: ({ context, event }) => restartReason(context, event) !== undefined,
  },
  actions: {
    requestConnect: emit(({ context }) => command({ type: 'command', command: 'connect', attempt: context.attempt })),
    requestValidation: emit(({ context }) => command({ type: 'command', command: 'validate', attempt: context.attempt })),
    requestDisconnect: emit(({ context }) => command({ type: 'command', command: 'disconnect', reason: context.lastReason ?? '' })),
    // Recovery after a (re)connect, in S3.1's order; guards were re-validated to get here.
    requestResync: emit(({ context }) => command({ type: 'command', command: 'resync', since: context.lostAt })),
    requestFullResync: emit(() => command({ type: 'command', command: 'resync', since: null })),
    requestResubscribe: emit(() => command({ type: 'command', command: 'resubscribe' })),
    // Until a session has been lost this is still the run's first reconciliation, even after failed first connects.
    requestReconcile: emit(({ context }) =>
      command({ type: 'command', command: 'reconcile', trigger: context.lostAt === null ? 'STARTUP' : 'RECONNECT' }),
    ),

    recordServerVersion: assign({
      serverVersion: ({ event }) => (event.type === 'VALIDATION_PASSED' ? (event.serverVersion ?? null) : null),
    }),
    appendConnect: emit(({ context }) =>
      sessionBead(context, {
        event: 'CONNECT',
        reconnect_attempt: context.attempt,
        ...(context.serverVersion === null ? {} : { server_version: context.serverVersion }),
      }),
    ),
    // Runs before recordServerVersion: the reason names the version the gateway had before.
    appendRestartedConnect: emit(({ context, event }) => {
      const version = event.type === 'VALIDATION_PASSED' ? event.serverVersion : undefined;
      return sessionBead(context, {
        event: 'CONNECT',
        reconnect_attempt: context.attempt,
        ...(version === undefined ? {} : { server_version: version }),
        reason: `gateway restarted: ${restartReason(context, event) ?? ''}`,
      });
    }),
    closeOutage: assign({ attempt: 0, lostAt: null, maintenanceUntil: null }),

    recordLoss: assign({
      outage: ({ context }) => context.outage + 1,
      attempt: 0,
      lostAt: ({ event }) => (event.type === 'CONNECTION_LOST' || event.type === 'PROBE_TIMEOUT' ? event.at : null),
      lastReason: ({ event }) => failureReason(event),
    }),
    // A first connect that never succeeded lost no session, so there is nothing "since" to recover.
    recordInitialFailure: assign({
      outage: ({ context }) => context.outage + 1,
      attempt: 0,
      lastReason: ({ event }) => failureReason(event),
    }),
    appendDisconnect: emit(({ context }) =>
      sessionBead(context, { event: 'DISCONNECT', reason: context.lastReason ?? '' }, context.lostAt ?? undefined),
    ),
    recordMaintenanceWait: assign({ maintenanceUntil: ({ context, event }) => windowEndOf(context, event) ?? null }),
    appendMaintenanceDisconnect: emit(({ context }) =>
      sessionBead(
        context,
        { event: 'DISCONNECT', reason: maintenanceReason(context.maintenance?.text ?? '', context.maintenanceUntil ?? 0, context.lastReason ?? '') },
        context.lostAt ?? undefined,
      ),
    ),

    startAttempt: assign({ attempt: (_, params: { attempt: number }) => params.attempt }),
    // Write-ahead: the attempt is on record before the connector dials.
    appendAttemptStarted: emit(({ context }) =>
      sessionBead(context, {
        event: 'RECONNECT',
        reconnect_attempt: context.attempt,
        reason:
          context.attempt === 1 && context.maintenanceUntil !== null
            ? `attempt 1 of ${MAX_RECONNECT_ATTEMPTS} at the end of the maintenance window`
            : `attempt ${context.attempt} of ${MAX_RECONNECT_ATTEMPTS} after ${RECONNECT_BACKOFF_MS[context.attempt - 1]! / 1000} s`,
      }),
    ),
    recordAttemptFailure: assign({ lastReason: ({ event }) => failureReason(event) }),
    // A failed attempt always carries `escalated`; that is how replay tells it from a started one.
    appendAttemptFailed: emit(({ context }) =>
      sessionBead(context, {
        event: 'RECONNECT',
        reconnect_attempt: context.attempt,
        escalated: context.attempt >= MAX_RECONNECT_ATTEMPTS,
        reason: context.lastReason ?? '',
      }),
    ),

    recordGuardFailure: assign({
      lastReason: ({ event }) => GUARD_FAILED_PREFIX + (event.type === 'VALIDATION_FAILED' ? event.reason : 'unknown'),
    }),
    appendGuardFailed: emit(({ context }) => sessionBead(context, { event: 'DISCONNECT', reason: context.lastReason ?? '' })),

    raiseConnectionLost: emit(({ context }) =>
      alert(context, 'CONNECTION_LOST', `IB Gateway connection lost on ${context.host}: ${context.lastReason ?? 'unknown'}`),
    ),
    raiseConnectionRestored: emit(({ context }) =>
      alert(context, 'CONNECTION_RESTORED', `IB Gateway connection restored on ${context.host} (attempt ${context.attempt})`),
    ),
    raiseMaintenanceLoss: emit(({ context }) =>
      alert(
        context,
        'GATEWAY_MAINTENANCE',
        `IB Gateway connection lost on ${context.host} inside its maintenance window ${context.maintenance?.text ?? ''}: ${context.lastReason ?? 'unknown'}. ` +
          `Expected (the daily restart); reconnect attempts start when the window ends, at ${new Date(context.maintenanceUntil ?? 0).toISOString()}.`,
      ),
    ),
    raiseGatewayRestarted: emit(({ context, event }) =>
      alert(context, 'GATEWAY_RESTARTED', `IB Gateway on ${context.host} restarted: ${restartReason(context, event) ?? ''}. Full resync and reconciliation follow — see RB-007.`),
    ),
    raiseEscalation: emit(({ context }) =>
      alert(context, 'CONNECTION_ESCALATED', `${ESCALATION_MESSAGE}: ${MAX_RECONNECT_ATTEMPTS} attempts failed on ${context.host}, last: ${context.lastReason ?? 'unknown'}. Restart by hand.`),
    ),
    raiseGuardViolation: emit(({ context }) =>
      alert(context, 'GUARD_VIOLATION', `IB connection refused by startup guards on ${context.host}: ${context.lastReason ?? 'unknown'}`),
    ),
  },
}).createMachine({
  id: 'connection',
  context: ({ input }) => ({
    host: input.host,
    runId: input.runId,
    mode: input.mode,
    account: input.account,
    port: input.port,
    timeScale: input.timeScale ?? 1,
    attempt: 0,
    outage: 0,
    lostAt: null,
    lastReason: null,
    serverVersion: null,
    maintenance: input.maintenance ?? null,
    maintenanceUntil: null,
  }),
  initial: 'DISCONNECTED',
  states: {
    DISCONNECTED: {
      on: { CONNECT_REQUESTED: { target: 'CONNECTING', actions: 'requestConnect' } },
    },
    CONNECTING: {
      after: { attemptTimeout: { target: 'RECONNECTING', actions: initialFailure() } },
      on: {
        SOCKET_CONNECTED: { target: 'VALIDATING' },
        ATTEMPT_FAILED: { target: 'RECONNECTING', actions: initialFailure() },
        CONNECTION_LOST: { target: 'RECONNECTING', actions: initialFailure() },
        PROBE_TIMEOUT: { target: 'RECONNECTING', actions: initialFailure() },
      },
    },
    VALIDATING: {
      entry: 'requestValidation',
      after: { attemptTimeout: { target: 'RECONNECTING', actions: initialFailure() } },
      on: {
        VALIDATION_PASSED: {
          target: 'CONNECTED',
          actions: ['recordServerVersion', 'appendConnect', 'requestResync', 'requestResubscribe', 'requestReconcile', 'closeOutage'],
        },
        VALIDATION_FAILED: { target: 'GUARD_FAILED', actions: guardFailure() },
        ATTEMPT_FAILED: { target: 'RECONNECTING', actions: initialFailure() },
        CONNECTION_LOST: { target: 'RECONNECTING', actions: initialFailure() },
        PROBE_TIMEOUT: { target: 'RECONNECTING', actions: initialFailure() },
      },
    },
    CONNECTED: {
      on: {
        CONNECTION_LOST: [
          { guard: 'lossInMaintenance', target: '#connection.RECONNECTING.maintenance', actions: maintenanceLoss() },
          { target: 'RECONNECTING', actions: sessionLost() },
        ],
        PROBE_TIMEOUT: [
          { guard: 'lossInMaintenance', target: '#connection.RECONNECTING.maintenance', actions: maintenanceLoss() },
          { target: 'RECONNECTING', actions: sessionLost() },
        ],
      },
    },
    RECONNECTING: {
      initial: 'backoff1',
      states: {
        /** A loss in the maintenance window: no attempt until the window ends. */
        maintenance: { after: { maintenanceWindowEnd: { target: 'attempt', actions: attemptStart(1) } } },
        backoff1: { after: { reconnectBackoff1: { target: 'attempt', actions: attemptStart(1) } } },
        backoff2: { after: { reconnectBackoff2: { target: 'attempt', actions: attemptStart(2) } } },
        backoff3: { after: { reconnectBackoff3: { target: 'attempt', actions: attemptStart(3) } } },
        attempt: {
          initial: 'connecting',
          entry: 'requestConnect',
          after: { attemptTimeout: failedAttempt() },
          on: {
            ATTEMPT_FAILED: failedAttempt(),
            CONNECTION_LOST: failedAttempt(),
            PROBE_TIMEOUT: failedAttempt(),
          },
          states: {
            connecting: { on: { SOCKET_CONNECTED: { target: 'validating' } } },
            validating: {
              entry: 'requestValidation',
              on: {
                VALIDATION_PASSED: [
                  // Back from the daily restart: nothing CRITICAL was raised, so there is nothing to resolve.
                  { guard: 'backFromMaintenance', target: '#connection.CONNECTED', actions: restarted([]) },
                  { guard: 'gatewayRestarted', target: '#connection.CONNECTED', actions: restarted(['raiseConnectionRestored']) },
                  {
                    target: '#connection.CONNECTED',
                    actions: [
                      'recordServerVersion',
                      'appendConnect',
                      'raiseConnectionRestored',
                      'requestResync',
                      'requestResubscribe',
                      'requestReconcile',
                      'closeOutage',
                    ],
                  },
                ],
                VALIDATION_FAILED: { target: '#connection.GUARD_FAILED', actions: guardFailure() },
              },
            },
          },
        },
      },
    },
    /** Three attempts failed. Final: a person restarts the host after RB-001. */
    ESCALATED: { type: 'final' },
    /** The startup guards refused this gateway (S4.1). Final: no order is possible. */
    GUARD_FAILED: { type: 'final' },
  },
});

export type ConnectionMachine = typeof connectionMachine;
