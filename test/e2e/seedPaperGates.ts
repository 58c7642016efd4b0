/**
 * A log whose paper history satisfies the live gate (P1-1…P1-6 and P1-8,
 * INV-IBKR-PAPER-FIRST-1): the beads a real paper phase would have left,
 * written the way the machines write them, an hour in the past. Live-mode
 * tests start from it; nothing here declares a gate, the projection decides.
 */
import { fileURLToPath } from 'node:url';
import { readRunbooks } from '../../actors/dashboard/runbooks.ts';
import { RUNBOOKS } from '../../actors/notify/alertTypes.ts';
import type { Bead, BeadDraft } from '../../beads/index.ts';
import { BUNNY_VECTORS, foldAllGates, gateResults, paperGatesHold } from '../../projections/gates.ts';
import type { EventLog } from '../../store/port.ts';
import { stampAt } from '../machines/support.ts';
import { paperRoundTrip } from '../support/paperRoundTrip.ts';

const RUNBOOKS_DIR = fileURLToPath(new URL('../../runbooks', import.meta.url));

export function paperHistory(now = Date.now()): Bead[] {
  const t0 = now - 3_600_000;
  const at = (ms: number, draft: BeadDraft) => stampAt(draft, t0 + ms, 'PAPER');
  const host = (ms: number) => at(ms, { bead_type: 'HOST', stream: 'host-paper-host', correlation_id: `h-${ms}`, data: { event: 'STARTED', version: '0.1.0', config_hash: 'c', pid: 42 } });
  const session = (ms: number, event: 'CONNECT' | 'DISCONNECT' | 'RECONNECT') =>
    at(ms, { bead_type: 'IBKR_SESSION', stream: 'connection-paper-host', correlation_id: 'paper', data: { event, mode: 'PAPER', account: 'DU123456', port: 4002, reconnect_attempt: event === 'RECONNECT' ? 1 : 0 } });
  const beat = (i: number) =>
    at(60_000 + i * 30_000, {
      bead_type: 'HEARTBEAT',
      stream: 'heartbeat-paper-host',
      correlation_id: 'hb',
      data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 },
    });
  return [
    host(0),
    session(1_000, 'CONNECT'),
    session(2_000, 'DISCONNECT'),
    session(7_000, 'RECONNECT'),
    session(8_000, 'CONNECT'),
    ...Array.from({ length: 10 }, (_, i) => beat(i)),
    at(400_000, { bead_type: 'ALERT', stream: 'alerts', correlation_id: 'ta', data: { event: 'SENT', alert_id: 'ta-1', alert_type: 'TEST_ALERT', severity: 'WARNING', message: 'test', dedupe_key: 'TEST_ALERT' } }),
    at(410_000, { bead_type: 'DRILL', stream: 'drill', correlation_id: 'dr', data: { runbook_id: 'RB-004', event: 'FINISHED', outcome: 'PASS', resolution_ms: 900 } }),
    ...paperRoundTrip('paper-1', t0 + 500_000),
    ...paperRoundTrip('paper-2', t0 + 510_000),
    host(600_000),
    ...paperRoundTrip('paper-3', t0 + 610_000),
    ...BUNNY_VECTORS.map((v, i) => at(700_000 + i, { bead_type: 'BUNNY', stream: 'bunny', correlation_id: 'bunny-1', data: { run_id: 'bunny-1', vector_id: v, result: 'PASS', evidence: 'seeded' } })),
  ];
}

export async function seedPaperHistory(log: EventLog): Promise<void> {
  for (const b of paperHistory()) await log.append(b.stream, [b]);
}

/** INV-IBKR-PAPER-FIRST-1 as the connection actor asks it: do the paper gates hold in this log? */
export async function paperGatesHoldIn(log: EventLog): Promise<boolean> {
  const beads: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') beads.push(e.bead);
  const present = (await readRunbooks(RUNBOOKS_DIR)).filter((r) => r.info.problem === undefined).map((r) => r.info.id);
  return paperGatesHold(gateResults(foldAllGates(beads), { runbooks: { expected: Object.keys(RUNBOOKS), present } }));
}
