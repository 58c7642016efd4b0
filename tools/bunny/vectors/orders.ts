import { haltCommand } from '../../commands/halt.ts';
import { sleep } from '../desk.ts';
import { approve, dropIntent, evidenceShown, messagesAt, openPosition, simOrdersOf } from '../trading.ts';
import type { Vector } from '../vector.ts';

/** Wave 3, approvals and orders (S3.2, S3.5, S4.1, S5): a stale wait, a refused order, a halt drill, a wrong account. */

export const staleApproval: Vector = {
  id: 'CV_S33_9',
  wave: 3,
  title: 'approval waits past 15 min',
  inject: 'a fresh READY intent is shown; the person waits past STALE_GATE_MINUTES (15 min, time-scaled) and only then approves',
  expect: 'STATE_CONFLICT; the approval is blocked; nothing is sent to the broker',
  runbook: 'RB-012',
  alerts: { raise: [], notRaise: ['GUARD_VIOLATION', 'ORDER_REJECTED', 'CONNECTION_LOST'] },
  desk: { timeScale: 0.005 },
  budgetMs: 45_000,
  async run(desk, j) {
    await desk.startHost();
    await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    await dropIntent(desk, 'cv9-slow');
    const shown = j.cite(await evidenceShown(desk, 'cv9-slow'));
    // The person's wait is the fault: past S3.2's 15 minutes, as the desk's clock runs (whatever the gate is set to).
    const waitMs = 15 * 60_000 * Number(desk.env.TIME_SCALE);
    await sleep(Math.max(0, Date.parse(shown.ts) + waitMs + 300 - Date.now()));
    j.time('waited_after_evidence', Date.now() - Date.parse(shown.ts));
    const before = await desk.tail();
    await approve(desk, 'cv9-slow');
    const decided = (await desk.beads('APPROVAL', before)).filter((b) => b.data.intent_id === 'cv9-slow' && b.data.event === 'DECISION');
    j.check(decided.length === 0, 'the late approval is refused: no DECISION recorded', decided.length === 0 ? 'no DECISION bead after the wait' : `the decision was recorded: DECISION bead ${decided[0]!.bead_id}`);
    const conflict = j.cite(await desk.waitFor('APPROVAL', (b) => b.data.intent_id === 'cv9-slow' && b.data.event === 'STATE_CONFLICT', 'an APPROVAL STATE_CONFLICT bead for cv9-slow', 10_000));
    j.check(true, 'STATE_CONFLICT recorded', `bead ${conflict.bead_id}: ${conflict.data.reason ?? ''}`);
    const tokens = (await desk.beads('APPROVAL')).filter((b) => b.data.intent_id === 'cv9-slow' && b.data.event === 'TOKEN_ISSUED');
    const orders = (await desk.beads('ORDER')).filter((b) => b.data.order_ref.startsWith('cv9-slow-'));
    const state = await desk.sim.state();
    j.count('place_order_at_simulator', state.counts.placeOrder);
    j.check(tokens.length === 0 && orders.length === 0 && state.counts.placeOrder === 0, 'nothing sent: no token, no ORDER bead, nothing at the simulator', `${tokens.length} token(s), ${orders.length} ORDER bead(s), ${state.counts.placeOrder} placeOrder at the simulator`);
  },
};

export const invalidOrder: Vector = {
  id: 'CV_S33_10',
  wave: 3,
  title: 'invalid order (bad symbol)',
  inject: 'the broker refuses the entry: "No security definition has been found for the request" (simulator reject-next-order)',
  expect: 'REJECTED; an ORDER_REJECTED alert; no crash',
  runbook: 'RB-012',
  alerts: { raise: ['ORDER_REJECTED'], notRaise: ['GUARD_VIOLATION', 'CONNECTION_LOST', 'RECONCILIATION_DRIFT'] },
  desk: { timeScale: 0.05 },
  budgetMs: 45_000,
  async run(desk, j) {
    await desk.startHost();
    await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    await desk.sim.control('reject-next-order', { reason: 'No security definition has been found for the request' });
    await dropIntent(desk, 'cv10-bad');
    await evidenceShown(desk, 'cv10-bad');
    const ran = await approve(desk, 'cv10-bad');
    j.ensure(ran.code === 0, 'phoenix approve records the decision', `exit ${ran.code}: ${ran.stderr.trim()}`);
    const rejected = j.cite(await desk.waitFor('POSITION', (b) => b.data.position_id === 'cv10-bad' && b.data.state === 'REJECTED', 'POSITION cv10-bad REJECTED'));
    j.check(/security definition/i.test(rejected.data.reason ?? ''), 'the position ends REJECTED with the broker’s reason', rejected.data.reason ?? 'no reason');
    const alert = j.cite(await desk.waitFor('ALERT', (b) => b.data.alert_type === 'ORDER_REJECTED' && b.data.event === 'RAISED', 'an ORDER_REJECTED alert'));
    j.check(alert.data.runbook_id === 'RB-012', 'the alert names RB-012', alert.data.runbook_id ?? 'no runbook');
    const phone = await desk.until(async () => (await messagesAt(desk, /Order rejected/)).at(0), 'the "Order rejected" message at the Bot API stand-in', 15_000);
    j.check(true, 'the operator was told', `message ${phone.message_id}`);
    const beat = j.cite(await desk.waitFor('HEARTBEAT', (b) => b.host_id === desk.env.PHOENIX_HOST_ID && b.data.status !== 'MISSED', 'a heartbeat after the rejection (no crash)', 10_000, { after: rejected.position }));
    j.check(beat.data.checks.process_alive, 'the host is still up and beating', `heartbeat ${beat.bead_id} ${beat.data.status}`);
  },
};

export const haltDrill: Vector = {
  id: 'CV_S33_11',
  wave: 3,
  title: 'RB-004 halt drill',
  inject: '`phoenix halt --reason` on a desk with a position open and its stop and target working at the broker',
  expect: 'halt done: kill flag SET, the working orders cancelled at the broker; the resolution time recorded',
  runbook: 'RB-004',
  alerts: { raise: ['HALT_EXECUTED', 'KILL_FLAG_SET'], notRaise: ['RECONCILIATION_DRIFT', 'CONNECTION_LOST', 'GUARD_VIOLATION'] },
  desk: { timeScale: 0.05 },
  budgetMs: 60_000,
  async run(desk, j) {
    await desk.startHost();
    await openPosition(desk, j, 'cv11-pos');
    const working = (await simOrdersOf(desk, 'cv11-pos')).filter((o) => ['Submitted', 'PreSubmitted'].includes(o.status));
    j.ensure(working.length === 2, 'the stop and the target work at the broker before the drill', `${working.length} working`);
    const before = await desk.tail();
    const ran = await desk.cli(haltCommand, ['--reason', 'bunny RB-004 drill', '--as', 'bunny', '--timeout', '20']);
    j.ensure(ran.code !== 2, 'phoenix halt takes the request', `exit ${ran.code}: ${ran.stderr.trim().split('\n')[0]}`);
    const flag = j.cite(await desk.waitFor('KILL_FLAG', (b) => b.data.state === 'SET', 'KILL_FLAG SET', 10_000, { after: before }));
    const done = j.cite(await desk.waitFor('HALT', (b) => b.data.step === 'COMPLETED' || b.data.step === 'FAILED', 'HALT COMPLETED', 20_000, { after: before }));
    j.check(done.data.step === 'COMPLETED', 'the halt completed', `${done.data.step} by ${flag.data.who}`);
    if (done.data.elapsed_ms !== undefined) j.time('resolution', done.data.elapsed_ms);
    j.check(done.data.elapsed_ms !== undefined, 'its resolution time is recorded', done.data.elapsed_ms === undefined ? 'no elapsed_ms on HALT COMPLETED' : `${done.data.elapsed_ms} ms on bead ${done.bead_id}`);
    const ids = new Set(working.map((o) => o.orderId));
    const after = await desk.until(async () => {
      const orders = (await simOrdersOf(desk, 'cv11-pos')).filter((o) => ids.has(o.orderId));
      return orders.every((o) => o.status === 'Cancelled') ? orders : undefined;
    }, 'the stop and the target that worked before the halt Cancelled at the simulator', 10_000);
    // Without --flatten the position stays open; the host may put a fresh stop back on it (an exit passes a SET flag).
    const now = (await simOrdersOf(desk, 'cv11-pos')).filter((o) => !ids.has(o.orderId) && ['Submitted', 'PreSubmitted'].includes(o.status));
    j.check(true, 'the working orders are cancelled at the broker', `${after.map((o) => `${o.orderRef} ${o.status}`).join(', ')}${now.length ? `; then re-protected: ${now.map((o) => o.orderRef).join(', ')} working` : ''}`);
  },
};

export const wrongAccount: Vector = {
  id: 'CV_S33_13',
  wave: 3,
  title: 'wrong account type or port',
  inject: 'a paper host (DU123456) pointed at a gateway that manages only a live account (U1234567), with an approved intent waiting',
  expect: 'rejected at the guard: GUARD_FAILED before any order; the simulator received nothing',
  runbook: 'RB-009',
  alerts: { raise: ['GUARD_VIOLATION'], notRaise: ['ORDER_REJECTED', 'RECONCILIATION_DRIFT'] },
  desk: { timeScale: 0.05, sim: { account: 'U1234567' }, env: { IBKR_ACCOUNT: 'DU123456' } },
  budgetMs: 40_000,
  async run(desk, j) {
    // The intent waits in the folder before the host starts: an order it would try to send at once.
    await dropIntent(desk, 'cv13-wrong');
    desk.expectHostExit();
    await desk.startHost({ until: 'started' });
    const refused = j.cite(await desk.waitFor('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT' && /guard failed/.test(b.data.reason ?? ''), 'an IBKR_SESSION DISCONNECT with the guard’s reason', 20_000));
    j.check(/DU123456|U1234567|account/i.test(refused.data.reason ?? ''), 'the guard names the account mismatch', refused.data.reason ?? '');
    await desk.until(async () => (desk.host?.exited ? true : undefined), 'the host to stop after GUARD_FAILED', 15_000);
    const state = await desk.sim.state();
    const orders = (await desk.beads('ORDER')).length;
    j.count('place_order_at_simulator', state.counts.placeOrder);
    j.check(state.counts.placeOrder === 0 && orders === 0, 'the simulator received nothing', `${state.counts.placeOrder} placeOrder at the simulator, ${orders} ORDER bead(s)`);
  },
};

export const orderSpam: Vector = {
  id: 'CV_S33_14',
  wave: 3,
  title: 'rapid order spam',
  inject: '12 READY intents approved at once: 36 bracket orders in a burst at the gateway’s 50 messages/s limit',
  expect: 'rate limited: no error 100, no disconnect, a PACING_WARNING logged; every order reaches the broker',
  runbook: 'RB-008',
  alerts: { raise: ['PACING_WARNING'], notRaise: ['CONNECTION_LOST', 'GUARD_VIOLATION', 'ORDER_REJECTED'] },
  desk: { timeScale: 0.05, env: { RECONCILE_INTERVAL_S: '3600', MAX_ORDER_UNITS: '100000' } },
  budgetMs: 75_000,
  async run(desk, j) {
    await desk.startHost();
    await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    const ids = Array.from({ length: 12 }, (_, i) => `cv14-${i + 1}`);
    for (const id of ids) await dropIntent(desk, id);
    for (const id of ids) await evidenceShown(desk, id, 30_000);
    const before = await desk.tail();
    const ran = await Promise.all(ids.map((id) => approve(desk, id)));
    j.ensure(ran.every((r) => r.code === 0), 'every phoenix approve records its decision', ran.map((r) => r.code).join(','));
    const all = await desk.until(async () => {
      const orders = (await desk.sim.state()).orders.filter((o) => o.orderRef.startsWith('cv14-'));
      return orders.length >= ids.length * 3 ? orders : undefined;
    }, `all ${ids.length * 3} orders at the simulator`, 45_000);
    const state = await desk.sim.state();
    j.count('orders_at_simulator', all.length);
    j.count('error_100', state.counts.error100Sent);
    j.count('pacing_disconnects', state.counts.pacingDisconnects);
    j.check(state.counts.error100Sent === 0 && state.counts.pacingDisconnects === 0, 'no error 100, no pacing disconnect', `error 100 sent ${state.counts.error100Sent} time(s), ${state.counts.pacingDisconnects} pacing disconnect(s)`);
    const lost = (await desk.beads('IBKR_SESSION', before)).filter((b) => b.data.event === 'DISCONNECT');
    j.check(lost.length === 0, 'the connection held', `${lost.length} DISCONNECT bead(s)`);
    const warning = j.cite(await desk.waitFor('ALERT', (b) => b.data.alert_type === 'PACING_WARNING' && b.data.event === 'RAISED', 'a PACING_WARNING alert', 10_000, { after: before }));
    j.check(true, 'rate limited, and said so', warning.data.message);
  },
};
