import { randomInt } from 'node:crypto';
import type { BeadOf } from '../../../beads/index.ts';
import { sleep } from '../desk.ts';
import { dropIntent, evidenceShown, approve, messagesAt } from '../trading.ts';
import type { Vector } from '../vector.ts';

/** Wave 2, the host and its heartbeat (S3.4, S6): killed, starved of order news, jittered. */

export const hostKilled: Vector = {
  id: 'CV_S33_4',
  wave: 2,
  title: 'host process killed',
  inject: 'SIGKILL `phoenix run` while `phoenix watchdog` watches it',
  expect: 'the watchdog writes HEARTBEAT MISSED; a CRITICAL HOST_DOWN alert reaches the Bot API',
  runbook: 'RB-010',
  alerts: { raise: ['HOST_DOWN'], notRaise: ['RECONCILIATION_DRIFT', 'GUARD_VIOLATION', 'CONNECTION_ESCALATED'] },
  desk: { timeScale: 0.05 },
  budgetMs: 45_000,
  async run(desk, j) {
    const host = await desk.startHost({ withWatchdog: true });
    await desk.waitFor('HEARTBEAT', (b) => b.host_id === desk.env.PHOENIX_HOST_ID && b.data.status !== 'MISSED', 'a heartbeat from the live host', 15_000);
    const before = await desk.tail();
    desk.expectHostExit();
    const killedAt = Date.now();
    await host.kill('SIGKILL');
    const phone = await desk.until(async () => (await messagesAt(desk, /CRITICAL[\s\S]*Phoenix host down/)).at(0), 'a CRITICAL "Phoenix host down" message at the Bot API stand-in', 20_000);
    j.time('kill_to_phone', phone.at - killedAt);
    j.check(phone.text.includes(`pid ${host.pid}`) && /RB-010/.test(phone.text), 'the watchdog’s CRITICAL names the dead pid and RB-010', JSON.stringify(phone.text.split('\n').slice(0, 2).join(' ')));
    const missed = j.cite(await desk.waitFor('HEARTBEAT', (b) => b.data.status === 'MISSED', 'a HEARTBEAT MISSED bead from the watchdog', 20_000, { after: before }));
    j.time('kill_to_missed_bead', Date.parse(missed.ts) - killedAt);
    j.check(missed.host_id === `${desk.env.PHOENIX_HOST_ID}-watchdog` && missed.data.checks.process_alive === false, 'HEARTBEAT MISSED written by the watchdog, process dead', `bead ${missed.bead_id} by ${missed.host_id}, miss ${missed.data.miss_count}, process_alive ${missed.data.checks.process_alive}`);
    const raised = j.cite(await desk.waitFor('ALERT', (b) => b.data.alert_type === 'HOST_DOWN' && b.data.event === 'RAISED', 'the HOST_DOWN alert bead', 10_000, { after: before }));
    j.check(raised.data.severity === 'CRITICAL', 'HOST_DOWN is CRITICAL', raised.data.severity);
  },
};

export const orderStatusStale: Vector = {
  id: 'CV_S33_5',
  wave: 2,
  title: 'order status stale for 10 min',
  inject: 'the simulator swallows the bracket (lose-next-order ×3): the orders never hear a status; 10 min pass (time-scaled)',
  expect: 'DEGRADED, not HEALTHY; the HEARTBEAT bead names the stale order',
  runbook: 'RB-011',
  // The orders the gateway swallowed are real drift between the broker and the log: a DRIFT alert here is no false positive.
  alerts: { raise: ['HEALTH_DEGRADED'], notRaise: ['HOST_DOWN', 'CONNECTION_LOST'] },
  desk: { timeScale: 0.01, env: { RECONCILE_INTERVAL_S: '60' } },
  budgetMs: 45_000,
  async run(desk, j) {
    await desk.startHost();
    await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    await desk.sim.control('lose-next-order', { count: 3 });
    await dropIntent(desk, 'cv5-stale');
    await evidenceShown(desk, 'cv5-stale');
    const ran = await approve(desk, 'cv5-stale');
    j.ensure(ran.code === 0, 'phoenix approve records the decision', `exit ${ran.code}: ${ran.stderr.trim()}`);
    const sent = j.cite(await desk.waitFor('ORDER', (b) => b.data.order_ref === 'cv5-stale-entry' && b.data.event === 'SUBMIT_REQUESTED', 'the entry’s write-ahead ORDER bead'));
    const names = (b: BeadOf<'HEARTBEAT'>) => (b.data.details ?? []).some((d) => d.check === 'orders_flowing' && (d.subject ?? '').startsWith('cv5-stale-'));
    const degraded = j.cite(await desk.waitFor('HEARTBEAT', (b) => b.data.status === 'DEGRADED' && names(b), 'a DEGRADED HEARTBEAT naming the stale order', 30_000, { after: sent.position }));
    const detail = (degraded.data.details ?? []).find((d) => d.check === 'orders_flowing');
    j.time('stale_after_ms', Date.parse(degraded.ts) - Date.parse(sent.ts));
    j.check(degraded.data.checks.semantic_healthy === false && degraded.data.checks.process_alive, 'DEGRADED with the process up and the semantic check failing', `bead ${degraded.bead_id}: ${detail?.message ?? '?'}`);
    const lost = (await desk.sim.state()).counts.ordersLost;
    j.count('orders_lost_at_simulator', lost);
    const healthyNaming = (await desk.beads('HEARTBEAT', sent.position)).filter((b) => b.data.status === 'HEALTHY' && Date.parse(b.ts) > Date.parse(degraded.ts)).length;
    j.check(lost >= 1, 'the fault was real: the simulator swallowed the orders', `${lost} order(s) lost at the simulator; ${healthyNaming} HEALTHY beat(s) after the first DEGRADED`);
  },
};

export const heartbeatJitter: Vector = {
  id: 'CV_S33_6',
  wave: 2,
  title: 'heartbeat latency ±10 s',
  inject: 'SIGSTOP/SIGCONT the host at random moments for 0–10 s (time-scaled), 6 times, with the watchdog watching: beats land up to 10 s late on top of the ±5 s jitter',
  expect: 'jitter absorbed: a late beat is at most a MISSED bead, never three in a row, never a HOST_DOWN alert; the beat goes on',
  runbook: 'RB-010',
  alerts: { raise: [], notRaise: ['HOST_DOWN', 'HEALTH_DEGRADED', 'CONNECTION_LOST'] },
  desk: { timeScale: 0.05 },
  budgetMs: 60_000,
  async run(desk, j) {
    const host = await desk.startHost({ withWatchdog: true });
    const first = await desk.waitFor('HEARTBEAT', (b) => b.host_id === desk.env.PHOENIX_HOST_ID && b.data.status !== 'MISSED', 'a first heartbeat', 15_000);
    const scale = Number(desk.env.TIME_SCALE);
    const stops: number[] = [];
    for (let i = 0; i < 6; i++) {
      await sleep(randomInt(0, Math.round(30_000 * scale)));
      const ms = randomInt(0, Math.round(10_000 * scale) + 1);
      stops.push(ms);
      host.signal('SIGSTOP');
      await sleep(ms);
      host.signal('SIGCONT');
    }
    const tail = await desk.tail();
    // One beat after the last stop: the host beats on.
    const after = await desk.waitFor('HEARTBEAT', (b) => b.host_id === desk.env.PHOENIX_HOST_ID && b.data.status !== 'MISSED', 'a heartbeat after the last stop', 10_000, { after: tail });
    j.cite(after);
    const beats = (await desk.beads('HEARTBEAT', first.position - 1)).filter((b) => b.host_id === desk.env.PHOENIX_HOST_ID);
    const missed = (await desk.beads('HEARTBEAT', first.position)).filter((b) => b.data.status === 'MISSED');
    const gaps = beats.slice(1).map((b, i) => Date.parse(b.ts) - Date.parse(beats[i]!.ts));
    // A beat held up past 30 + 5 s may be written MISSED (it was late); three in a row would be the alert. Never three here.
    const worst = Math.max(0, ...missed.map((m) => m.data.miss_count));
    j.count('beats', beats.length);
    j.count('stops', stops.length);
    j.count('missed_beads', missed.length);
    j.time('longest_stop', Math.max(...stops));
    j.time('longest_gap', Math.max(...gaps));
    j.check(worst < 3, 'jitter absorbed: never three misses in a row', `${missed.length} MISSED bead(s) for late beats, highest miss count ${worst}; longest gap ${Math.round(Math.max(...gaps))} ms (30 + 5 s is ${Math.round(35_000 * scale)} ms here)`);
    const alerts = (await desk.beads('ALERT', first.position)).filter((a) => a.data.alert_type === 'HOST_DOWN');
    const phone = await messagesAt(desk, /Phoenix host down/);
    j.check(alerts.length === 0 && phone.length === 0, 'no false HOST_DOWN alert', `${alerts.length} HOST_DOWN bead(s), ${phone.length} message(s) at the Bot API`);
    j.check(beats.length >= 6, 'the beat went on through the stops', `${beats.length} heartbeats`);
  },
};
