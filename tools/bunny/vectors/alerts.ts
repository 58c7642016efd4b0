import { systemClock } from '../../../runtime/clock.ts';
import { loadConfig } from '../../../runtime/config/load.ts';
import type { AlertType } from '../../../actors/notify/alertTypes.ts';
import { raiseAlert } from '../../../actors/notify/outbox.ts';
import { openEventLog } from '../../../store/open.ts';
import { sleep } from '../desk.ts';
import { ROOT } from '../toolProcess.ts';
import type { Vector } from '../vector.ts';

/** Wave 2, the operator's channel (S7): Telegram blocked, an alert storm. */

export const telegramBlocked: Vector = {
  id: 'CV_S33_7',
  wave: 2,
  title: 'Telegram API blocked',
  inject: 'the Bot API stand-in refuses connections while a gateway restart raises CONNECTION_LOST and its RESOLVED notice; then it answers again',
  expect: 'alerts queued and retried (FAILED beads); no crash; delivered once Telegram is back; no duplicates',
  runbook: 'RB-006',
  // The outage is shorter than the minute after which TELEGRAM_DOWN is raised: the loss itself is what must get through.
  alerts: { raise: ['CONNECTION_LOST'], notRaise: ['HOST_DOWN', 'RECONCILIATION_DRIFT', 'CONNECTION_ESCALATED'] },
  desk: { timeScale: 0.05 },
  budgetMs: 60_000,
  async run(desk, j) {
    await desk.startHost();
    const before = await desk.tail();
    await desk.tg.fail({ kind: 'refused' });
    await desk.sim.control('restart', { downtimeMs: 300 });
    const lost = j.cite(await desk.waitFor('ALERT', (b) => b.data.alert_type === 'CONNECTION_LOST' && b.data.event === 'RAISED', 'the CONNECTION_LOST alert raised during the outage', 15_000, { after: before }));
    const failures = await desk.until(async () => {
      const failed = (await desk.beads('ALERT', before)).filter((b) => b.data.event === 'FAILED' && b.data.alert_id === lost.data.alert_id);
      return failed.length >= 2 ? failed : undefined;
    }, 'two FAILED delivery beads for CONNECTION_LOST (queued and retried)', 20_000);
    j.count('failed_attempts_during_outage', failures.length);
    j.cite(failures[0]!);
    const alive = j.cite(await desk.waitFor('HEARTBEAT', (b) => b.host_id === desk.env.PHOENIX_HOST_ID && b.data.status !== 'MISSED', 'a heartbeat during the outage (the host did not crash)', 10_000, { after: failures[0]!.position }));
    j.check(true, 'queued and retried while Telegram was down; the host beat on', `${failures.length} FAILED bead(s) (${failures[0]!.data.error ?? 'no error text'}); heartbeat ${alive.bead_id}`);
    const restored = await desk.waitFor('ALERT', (b) => b.data.alert_type === 'CONNECTION_RESTORED', 'the CONNECTION_RESTORED notice', 15_000, { after: before });
    const refusedAt = (await desk.tg.state()).messages.length;
    await desk.tg.clear();
    const clearedAt = Date.now();
    // The RESOLVED notice goes after its group wait: once both are in, any retry of the first would have shown.
    const sent = await desk.until(async () => {
      const all = (await desk.beads('ALERT', before)).filter((b) => b.data.event === 'SENT');
      const ids = new Set(all.map((b) => b.data.alert_id));
      return ids.has(lost.data.alert_id) && ids.has(restored.data.alert_id) ? all : undefined;
    }, 'SENT beads for both alerts after Telegram came back', 30_000);
    const phone = (await desk.tg.state()).messages;
    const lostMsgs = phone.filter((m) => /IB connection lost/.test(m.text) && !/RESOLVED/.test(m.text));
    const backMsgs = phone.filter((m) => /RESOLVED: IB connection restored/.test(m.text));
    j.time('back_to_delivered', (lostMsgs[0]?.at ?? clearedAt) - clearedAt);
    j.count('messages_while_blocked', refusedAt);
    j.check(lostMsgs.length === 1, 'CONNECTION_LOST delivered once, after the outage', `${lostMsgs.length} message(s)${lostMsgs[0] ? ` (message ${lostMsgs[0].message_id})` : ''}`);
    j.check(backMsgs.length === 1, 'its RESOLVED notice delivered once', `${backMsgs.length} message(s)`);
    const sentOfLost = sent.filter((b) => b.data.alert_id === lost.data.alert_id);
    j.check(sentOfLost.length === 1, 'the log records one delivery, no duplicate', `${sentOfLost.length} SENT bead(s) for alert ${lost.data.alert_id}`);
  },
};

const WARNING_TYPES: AlertType[] = ['ORDER_REJECTED', 'POSITION_STALLED', 'SUBSCRIPTION_DEAD', 'PACING_WARNING', 'GATEWAY_RESTARTED'];
const STORM = 50;

export const alertStorm: Vector = {
  id: 'CV_S33_8',
  wave: 2,
  title: '50 alerts in 1 min',
  inject: '50 WARNING alerts of five types and one CRITICAL raised through the host’s outbox (ALERT RAISED beads in its log) within 5 s, real time',
  expect: 'grouped and throttled; every alert accounted for at the Bot API and in the log; the CRITICAL sent at once',
  runbook: 'RB-006',
  // The storm's alerts are injected, not detected: they are no ground truth either way; the desk itself must stay quiet.
  alerts: { raise: [], notRaise: ['HOST_DOWN', 'CONNECTION_LOST', 'HEALTH_DEGRADED'] },
  // Real time: the storm's beads are stamped by bunny's clock, which only a host at TIME_SCALE 1 shares.
  desk: { timeScale: 1 },
  budgetMs: 60_000,
  async run(desk, j) {
    await desk.startHost();
    const before = await desk.tail();
    const log = await openEventLog(loadConfig(desk.env, ROOT));
    const source = { hostId: desk.env.PHOENIX_HOST_ID!, mode: 'PAPER' as const, clock: systemClock };
    const raised: string[] = [];
    let critical: { id: string; at: number } | undefined;
    try {
      for (let k = 1; k <= STORM; k++) {
        const type = WARNING_TYPES[k % WARNING_TYPES.length]!;
        raised.push((await raiseAlert(log, source, { type: 'alert', alertType: type, message: `bunny storm alert ${k}/${STORM}`, dedupeKey: `bunny-storm-${k}`, correlationId: 'bunny-storm' })).alertId);
        if (k === STORM / 2) {
          const at = Date.now();
          critical = { id: (await raiseAlert(log, source, { type: 'alert', alertType: 'CLOSE_FAILED', message: 'bunny storm CRITICAL in the middle', dedupeKey: 'bunny-storm-critical', correlationId: 'bunny-storm' })).alertId, at };
        }
        await sleep(100);
      }
    } finally {
      await log.close();
    }
    const all = [...raised, critical!.id];
    const sent = await desk.until(async () => {
      const beads = (await desk.beads('ALERT', before)).filter((b) => b.data.event === 'SENT');
      return all.every((id) => beads.some((b) => b.data.alert_id === id)) ? beads : undefined;
    }, `a SENT bead for each of the ${all.length} alerts`, 40_000);
    j.count('alerts_raised', all.length);
    j.check(true, 'every alert accounted for in the log', `${all.length} alerts, each with a SENT bead`);
    const messages = (await desk.tg.state()).messages.filter((m) => /bunny storm|\+\d+ more/.test(m.text));
    const crit = messages.find((m) => m.text.includes('bunny storm CRITICAL'));
    const ordinary = messages.filter((m) => m !== crit);
    const detailed = ordinary.flatMap((m) => [...m.text.matchAll(/bunny storm alert (\d+)\/50/g)].map((x) => Number(x[1])));
    const summarised = ordinary.flatMap((m) => [...m.text.matchAll(/\+(\d+) more/g)].map((x) => Number(x[1])));
    const counted = detailed.length + summarised.reduce((a, b) => a + b, 0);
    j.count('messages', messages.length);
    j.count('alerts_in_detail', detailed.length);
    j.count('alerts_in_summaries', counted - detailed.length);
    j.check(counted === STORM && new Set(detailed).size === detailed.length, `all ${STORM} warnings accounted for at the Bot API`, `${detailed.length} in detail + ${counted - detailed.length} in "+N more" summaries = ${counted}, in ${ordinary.length} message(s)`);
    j.check(ordinary.length < STORM / 2, 'grouped and throttled: far fewer messages than alerts', `${ordinary.length} message(s) for ${STORM} warnings`);
    const gaps = ordinary.slice(1).map((m, i) => m.at - ordinary[i]!.at);
    j.check(gaps.every((g) => g >= 3_000 * 0.9), 'no two ordinary messages closer than 3 s (the chat throttle)', gaps.length ? `closest ${Math.min(...gaps)} ms apart` : 'one message');
    const late = crit ? crit.at - critical!.at : Number.POSITIVE_INFINITY;
    j.time('critical_raise_to_phone', late);
    j.check(crit !== undefined && late < 1_000, 'the CRITICAL went at once (under 1 s), not held for the group', crit ? `${late} ms after it was raised` : 'never arrived');
    j.cite(sent.find((b) => b.data.alert_id === critical!.id)!);
  },
};
