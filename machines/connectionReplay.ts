import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import type { Bead, BeadOf } from '../beads/index.ts';
import {
  type ConnectionEvent,
  type ConnectionInput,
  connectionMachine,
  GUARD_FAILED_PREFIX,
  MAX_RECONNECT_ATTEMPTS,
  parseMaintenanceReason,
  runOf,
} from './connection.ts';
import { type MaintenanceWindow, parseMaintenanceWindow } from './connectionWindow.ts';
import type { MachineReplayerShape, ReplayResult } from './types.ts';

/**
 * Rebuilds the connection machine from its `connection-<host>` stream through
 * XState's pure `transition()`: nothing executes, no timer starts. Each bead
 * is read back as the fact it records and turned into the events that led
 * the live machine there, so replay lands on the live snapshot.
 */

export type ConnectionSnapshot = SnapshotFrom<typeof connectionMachine>;

/** The fact one IBKR_SESSION bead records. The encoding lives here and in connection.ts only. */
export type SessionFact =
  | { kind: 'CONNECTED'; serverVersion?: number }
  | { kind: 'SESSION_LOST'; reason: string; at: number; maintenanceUntil?: number }
  | { kind: 'GUARD_FAILED'; reason: string }
  | { kind: 'ATTEMPT_STARTED'; attempt: number }
  | { kind: 'ATTEMPT_FAILED'; attempt: number; reason: string; escalated: boolean };

export function sessionFactOf(bead: BeadOf<'IBKR_SESSION'>): SessionFact {
  const d = bead.data;
  const reason = d.reason ?? '';
  switch (d.event) {
    case 'CONNECT':
      return d.server_version === undefined ? { kind: 'CONNECTED' } : { kind: 'CONNECTED', serverVersion: d.server_version };
    case 'DISCONNECT': {
      if (reason.startsWith(GUARD_FAILED_PREFIX)) return { kind: 'GUARD_FAILED', reason: reason.slice(GUARD_FAILED_PREFIX.length) };
      const maintenance = parseMaintenanceReason(reason);
      return maintenance
        ? { kind: 'SESSION_LOST', reason: maintenance.reason, at: Date.parse(bead.ts), maintenanceUntil: maintenance.until }
        : { kind: 'SESSION_LOST', reason, at: Date.parse(bead.ts) };
    }
    case 'RECONNECT':
      return d.escalated === undefined
        ? { kind: 'ATTEMPT_STARTED', attempt: d.reconnect_attempt }
        : { kind: 'ATTEMPT_FAILED', attempt: d.reconnect_attempt, reason, escalated: d.escalated };
  }
}

/** The after-event XState raises when a wait ends (a backoff, or the maintenance window); replay sends it by hand. */
function waitEnded(wait: string): ConnectionEvent | undefined {
  const node = connectionMachine.getStateNodeById(`connection.RECONNECTING.${wait}`);
  const type = node.after[0]?.eventType;
  return type === undefined ? undefined : ({ type } as unknown as ConnectionEvent);
}

/** Events that take a machine from where it is to its validating step; undefined when it cannot get there. */
function toValidating(s: ConnectionSnapshot): ConnectionEvent[] | undefined {
  if (s.matches('DISCONNECTED')) return [{ type: 'CONNECT_REQUESTED' }, { type: 'SOCKET_CONNECTED' }];
  if (s.matches('CONNECTING') || s.matches({ RECONNECTING: { attempt: 'connecting' } })) return [{ type: 'SOCKET_CONNECTED' }];
  if (s.matches('VALIDATING') || s.matches({ RECONNECTING: { attempt: 'validating' } })) return [];
  return undefined;
}

function eventsFor(fact: SessionFact, s: ConnectionSnapshot): ConnectionEvent[] | undefined {
  switch (fact.kind) {
    case 'CONNECTED': {
      const prefix = toValidating(s);
      const passed: ConnectionEvent =
        fact.serverVersion === undefined ? { type: 'VALIDATION_PASSED' } : { type: 'VALIDATION_PASSED', serverVersion: fact.serverVersion };
      return prefix && [...prefix, passed];
    }
    case 'GUARD_FAILED': {
      const prefix = toValidating(s);
      return prefix && [...prefix, { type: 'VALIDATION_FAILED', reason: fact.reason }];
    }
    case 'SESSION_LOST':
      if (s.matches('CONNECTED')) return [{ type: 'CONNECTION_LOST', reason: fact.reason, at: fact.at }];
      if (s.matches('DISCONNECTED')) return [{ type: 'CONNECT_REQUESTED' }, { type: 'ATTEMPT_FAILED', reason: fact.reason }];
      if (s.matches('CONNECTING') || s.matches('VALIDATING')) return [{ type: 'ATTEMPT_FAILED', reason: fact.reason }];
      return undefined;
    case 'ATTEMPT_STARTED': {
      const wait = fact.attempt === 1 && s.matches({ RECONNECTING: 'maintenance' }) ? 'maintenance' : `backoff${fact.attempt}`;
      if (!s.matches({ RECONNECTING: wait as 'backoff1' })) return undefined;
      const ended = waitEnded(wait);
      return ended && [ended];
    }
    case 'ATTEMPT_FAILED':
      return s.matches({ RECONNECTING: 'attempt' }) && s.context.attempt === fact.attempt
        ? [{ type: 'ATTEMPT_FAILED', reason: fact.reason }]
        : undefined;
  }
}

function landedWhereFactSays(fact: SessionFact, s: ConnectionSnapshot): boolean {
  switch (fact.kind) {
    case 'CONNECTED':
      return s.matches('CONNECTED');
    case 'GUARD_FAILED':
      return s.matches('GUARD_FAILED');
    case 'SESSION_LOST':
      return s.matches({ RECONNECTING: fact.maintenanceUntil === undefined ? 'backoff1' : 'maintenance' });
    case 'ATTEMPT_STARTED':
      return s.matches({ RECONNECTING: 'attempt' });
    case 'ATTEMPT_FAILED':
      return fact.escalated === s.matches('ESCALATED');
  }
}

function inputOf(bead: BeadOf<'IBKR_SESSION'>, timeScale: number, maintenance: MaintenanceWindow | undefined): ConnectionInput {
  const input: ConnectionInput = {
    host: bead.stream.replace(/^connection-/, ''),
    runId: runOf(bead.correlation_id),
    mode: bead.data.mode,
    account: bead.data.account,
    port: bead.data.port,
    timeScale,
  };
  if (maintenance) input.maintenance = maintenance;
  return input;
}

/**
 * The maintenance window a run was configured with, as far as its beads say:
 * a loss in the window names it. A run that never lost a session in its
 * window does not say; `replayConnection`'s option does, when known.
 */
function windowOfRun(beads: readonly Bead[], run: string): MaintenanceWindow | undefined {
  for (const bead of beads) {
    if (bead.bead_type !== 'IBKR_SESSION' || runOf(bead.correlation_id) !== run || bead.data.event !== 'DISCONNECT') continue;
    const said = parseMaintenanceReason(bead.data.reason ?? '');
    const parsed = said && parseMaintenanceWindow(said.windowText);
    if (parsed?.ok) return parsed.window;
  }
  return undefined;
}

/**
 * Replays a connection stream. A stream spans process runs; each run starts a
 * fresh machine, so the snapshot returned is that of the last run.
 * `timeScale` only restores the context field of the same name.
 */
export function replayConnection(
  beads: readonly Bead[],
  options: { timeScale?: number; maintenance?: MaintenanceWindow } = {},
): ReplayResult<ConnectionSnapshot> {
  const timeScale = options.timeScale ?? 1;
  const anomalies: string[] = [];
  let run: string | undefined;
  let snapshot: ConnectionSnapshot | undefined;
  for (const bead of beads) {
    if (bead.bead_type !== 'IBKR_SESSION') {
      anomalies.push(`${bead.bead_id}: a ${bead.bead_type} bead does not belong to a connection stream`);
      continue;
    }
    if (snapshot === undefined || runOf(bead.correlation_id) !== run) {
      run = runOf(bead.correlation_id);
      snapshot = initialTransition(connectionMachine, inputOf(bead, timeScale, options.maintenance ?? windowOfRun(beads, run)))[0];
    }
    const fact = sessionFactOf(bead);
    const events = eventsFor(fact, snapshot);
    if (events === undefined) {
      anomalies.push(`${bead.bead_id}: ${fact.kind} does not follow ${describeConnection(snapshot)}`);
      continue;
    }
    let next = snapshot;
    for (const event of events) next = transition(connectionMachine, next, event)[0];
    if (!landedWhereFactSays(fact, next)) {
      anomalies.push(`${bead.bead_id}: ${fact.kind} led to ${describeConnection(next)}, which the bead contradicts`);
      continue;
    }
    snapshot = next;
  }
  return { snapshot: snapshot ?? initialTransition(connectionMachine, emptyInput(timeScale))[0], anomalies };
}

function emptyInput(timeScale: number): ConnectionInput {
  return { host: '', runId: '', mode: 'MOCK', account: '', port: 0, timeScale };
}

/** The state for people: where the machine is and why. */
export function describeConnection(s: ConnectionSnapshot): string {
  const c = s.context;
  const last = c.lastReason ? ` (last: ${c.lastReason})` : '';
  if (s.matches('CONNECTED')) return `CONNECTED to ${c.mode} account ${c.account} on port ${c.port}${c.serverVersion ? `, server ${c.serverVersion}` : ''}`;
  if (s.matches({ RECONNECTING: 'attempt' })) return `RECONNECTING: attempt ${c.attempt} of ${MAX_RECONNECT_ATTEMPTS} under way${last}`;
  if (s.matches({ RECONNECTING: 'maintenance' })) {
    return `RECONNECTING: in the maintenance window ${c.maintenance?.text ?? ''} until ${new Date(c.maintenanceUntil ?? 0).toISOString()}${last}`;
  }
  if (s.matches('RECONNECTING')) return `RECONNECTING: waiting before attempt ${c.attempt + 1} of ${MAX_RECONNECT_ATTEMPTS}${last}`;
  if (s.matches('ESCALATED')) return `ESCALATED: Connection rotting — run RB-001${last}`;
  if (s.matches('GUARD_FAILED')) return `GUARD_FAILED: ${c.lastReason ?? ''}`;
  return String(s.value);
}

/** The `phoenix replay` hook; register it in tools/replay/machineReplayers.ts. */
export const connectionReplayer: MachineReplayerShape = {
  machine: 'connection',
  owns: (stream) => stream.startsWith('connection-'),
  stateAfter(beads) {
    const { snapshot, anomalies } = replayConnection(beads);
    return anomalies.length === 0 ? describeConnection(snapshot) : `${describeConnection(snapshot)} [${anomalies.length} bead(s) did not fit]`;
  },
};
