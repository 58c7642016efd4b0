import { idsByRef, messagesAt, openPosition, reusedIds, simOrdersOf } from '../trading.ts';
import type { Vector } from '../vector.ts';

/** Wave 1, the gateway (S3.1, S4.2): killed, restarted, auto-updated. */

const critical = (title: string) => new RegExp(`CRITICAL[\\s\\S]*${title}`);

export const gatewayKilled: Vector = {
  id: 'CV_S33_1',
  wave: 1,
  title: 'gateway killed mid-session',
  inject: 'SIGKILL the gateway simulator process while the host is connected',
  expect: 'loss detected; CRITICAL alert at the Bot API; IBKR_SESSION DISCONNECT',
  runbook: 'RB-001',
  alerts: { raise: ['CONNECTION_LOST'], notRaise: ['RECONCILIATION_DRIFT', 'GUARD_VIOLATION', 'HOST_DOWN', 'KILL_FLAG_SET'] },
  desk: { timeScale: 0.05 },
  budgetMs: 45_000,
  async run(desk, j) {
    await desk.startHost();
    const before = await desk.tail();
    const killedAt = Date.now();
    await desk.sim.kill('SIGKILL');
    const lost = j.cite(await desk.waitFor('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT', 'IBKR_SESSION DISCONNECT bead after the kill', 15_000, { after: before }));
    j.time('kill_to_disconnect_bead', Date.parse(lost.ts) - killedAt);
    j.check(true, 'IBKR_SESSION DISCONNECT', `bead ${lost.bead_id}: ${lost.data.reason ?? 'no reason'}`);
    const alert = j.cite(await desk.waitFor('ALERT', (b) => b.data.alert_type === 'CONNECTION_LOST' && b.data.event === 'RAISED', 'CONNECTION_LOST alert raised', 15_000, { after: before }));
    j.check(alert.data.severity === 'CRITICAL' && alert.data.runbook_id === 'RB-001', 'the alert is CRITICAL and names RB-001', `${alert.data.severity} ${alert.data.runbook_id ?? 'no runbook'}`);
    const phone = await desk.until(async () => (await messagesAt(desk, critical('IB connection lost'))).at(0), 'CRITICAL "IB connection lost" message at the Bot API stand-in', 8_000);
    j.time('kill_to_phone', phone.at - killedAt);
    j.check(/RB-001/.test(phone.text), 'the operator’s message reached the Bot API and names its runbook', `message ${phone.message_id} ${JSON.stringify(phone.text.split('\n')[0])}`);
  },
};

export const gatewayRestarted: Vector = {
  id: 'CV_S33_2',
  wave: 1,
  title: 'gateway restarted',
  inject: 'restart the gateway (simulator /restart, 0.6 s down) with a position open and its bracket working',
  expect: 'reconnect within 3 attempts; state recovered: orders, positions, fills, reconciled to MATCH',
  runbook: 'RB-001',
  alerts: { raise: ['CONNECTION_LOST'], notRaise: ['CONNECTION_ESCALATED', 'RECONCILIATION_DRIFT', 'HOST_DOWN', 'KILL_FLAG_SET'] },
  desk: { timeScale: 0.05, env: { RECONCILE_INTERVAL_S: '3600' } },
  budgetMs: 60_000,
  async run(desk, j) {
    await desk.startHost();
    const managed = j.cite(await openPosition(desk, j, 'cv2-pos'));
    const before = await desk.tail();
    await desk.sim.control('restart', { downtimeMs: 600 });
    const lost = j.cite(await desk.waitFor('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT', 'IBKR_SESSION DISCONNECT after the restart', 15_000, { after: before }));
    const back = j.cite(await desk.waitFor('IBKR_SESSION', (b) => b.data.event === 'CONNECT', 'IBKR_SESSION CONNECT after the restart', 30_000, { after: lost.position }));
    const attempts = (await desk.beads('IBKR_SESSION', lost.position)).filter((b) => b.data.event === 'RECONNECT');
    const most = Math.max(0, ...attempts.map((b) => b.data.reconnect_attempt));
    j.count('reconnect_attempts', most);
    j.time('down_to_connect', Date.parse(back.ts) - Date.parse(lost.ts));
    j.check(most >= 1 && most <= 3 && !attempts.some((b) => b.data.escalated), 'reconnected within 3 attempts', `attempt ${most}, CONNECT bead ${back.bead_id}`);
    const rec = j.cite(await desk.waitFor('RECONCILIATION', (b) => b.data.trigger === 'RECONNECT', 'RECONCILIATION after the reconnect', 20_000, { after: lost.position }));
    const refs = rec.data.broker.open_orders.map((o) => o.order_ref ?? '').filter((r) => r.startsWith('cv2-pos-'));
    const eur = rec.data.broker.positions.find((p) => p.pair.replace('.', '') === 'EURUSD');
    j.check(rec.data.result === 'MATCH', 'reconciled to MATCH after the reconnect', `${rec.data.result}${rec.data.drift.length ? `: ${rec.data.drift.map((d) => `${d.kind} ${d.subject}`).join(', ')}` : ''}`);
    j.check(refs.length === 2 && (eur?.quantity ?? 0) === managed.data.quantity, 'the broker view recovered the stop, the target and the position', `open orders ${refs.join(', ') || 'none'}; EURUSD ${eur?.quantity ?? 0}`);
    const fills = (await desk.beads('FILL')).filter((f) => f.data.order_ref === 'cv2-pos-entry');
    j.count('entry_fills', fills.length);
    j.check(fills.length === 1, 'the entry fill recorded exactly once across the restart', `${fills.length} FILL bead(s)`);
  },
};

export const gatewayAutoUpdate: Vector = {
  id: 'CV_S33_3',
  wave: 1,
  title: 'gateway auto-update (nextValidId lower)',
  inject: 'restart the gateway as an auto-update: new server version 187, nextValidId rolled back to 1',
  expect: 'reconnect; IBKR_SESSION beads; reconciliation; the next order takes a fresh id (none reused)',
  runbook: 'RB-007',
  alerts: { raise: ['CONNECTION_LOST', 'GATEWAY_RESTARTED'], notRaise: ['CONNECTION_ESCALATED', 'RECONCILIATION_DRIFT', 'GUARD_VIOLATION', 'HOST_DOWN'] },
  desk: { timeScale: 0.05, env: { RECONCILE_INTERVAL_S: '3600' }, sim: { nextValidId: 500 } },
  budgetMs: 75_000,
  async run(desk, j) {
    await desk.startHost();
    await openPosition(desk, j, 'cv3-a');
    const before = await desk.tail();
    await desk.sim.control('restart', { downtimeMs: 800, nextValidId: 1, serverVersion: 187 });
    const lost = j.cite(await desk.waitFor('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT', 'IBKR_SESSION DISCONNECT after the update', 15_000, { after: before }));
    const back = j.cite(await desk.waitFor('IBKR_SESSION', (b) => b.data.event === 'CONNECT', 'IBKR_SESSION CONNECT after the update', 30_000, { after: lost.position }));
    j.check(back.data.server_version === 187, 'the reconnect is to the updated gateway', `server version ${back.data.server_version ?? 'not recorded'}`);
    const rec = j.cite(await desk.waitFor('RECONCILIATION', (b) => b.data.trigger === 'RECONNECT', 'RECONCILIATION after the update', 20_000, { after: lost.position }));
    j.check(rec.data.result === 'MATCH', 'reconciled to MATCH', rec.data.result);
    await openPosition(desk, j, 'cv3-b');
    const state = await desk.sim.state();
    const reused = reusedIds(state.orders.map((o) => [o.orderId, o.orderRef] as [number, string]));
    const dup = state.rejections.filter((r) => r.code === 103);
    const a = (await simOrdersOf(desk, 'cv3-a')).map((o) => o.orderId);
    const b = (await simOrdersOf(desk, 'cv3-b')).map((o) => o.orderId);
    j.count('orders_at_simulator', state.orders.length);
    j.check(reused.length === 0 && dup.length === 0 && Math.min(...b) > Math.max(...a), 'no order id reused after the rollback', `before ${a.join(',')}; after ${b.join(',')}; duplicate-id refusals ${dup.length}`);
    const logIds = [...idsByRef(await desk.beads('ORDER'))].filter(([, ids]) => ids.size > 1);
    j.check(logIds.length === 0, 'the log gives every order one id', logIds.length ? `refs with two ids: ${logIds.map(([r]) => r).join(', ')}` : 'one id per order ref');
  },
};
