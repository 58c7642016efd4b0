/**
 * B7, the soak (S13, issue 15): 24 hours of desk time, time-compressed,
 * through `phoenix run` as its own process against the gateway simulator
 * (its own process too). Heartbeats every 30 s of desk time, a whole paper
 * round trip every desk hour (intent, evidence, `phoenix approve`, bracket,
 * fill, target, autopsy) and a gateway restart in the middle of the desk
 * day. Every desk hour it samples the host's RSS and heap, the log's size
 * and the mean heartbeat check, and at the end writes reports/B7_SOAK.csv
 * and reports/B7_SOAK.svg and prints B7's ratios (hour 24 against hour 2).
 *
 * `npm run soak` runs it (about 20 min of wall time); `npm run test:slow`
 * too. The ratios are measurements, printed with their verdicts; what this
 * test asserts is what must hold whatever the machine's load: no order sent
 * twice, no fill lost or recorded twice, reconciliation MATCH at the end,
 * and no CRITICAL alert but the gateway restart's.
 *
 * Not covered yet: alert bursts and a Telegram outage (no Telegram is
 * configured here).
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultLogPath } from '../../store/sqlite.ts';
import { openPaperDesk, type PaperDesk } from '../e2e/paperDesk.ts';
import { type SoakSample, writeSoakReport } from './soakReport.ts';

const SLOW = process.env.PHOENIX_SLOW === '1';
const DESK_HOURS = Number(process.env.PHOENIX_SOAK_HOURS ?? 24);
/** 24 desk hours in about 17 minutes of wall time. */
const TIME_SCALE = Number(process.env.PHOENIX_SOAK_SCALE ?? 0.012);
const HOUR_MS = 3_600_000 * TIME_SCALE;
const RESTART_AT_HOUR = Math.max(2, Math.floor(DESK_HOURS / 2));
const REPORTS = fileURLToPath(new URL('../../reports/', import.meta.url));

let desk: PaperDesk | undefined;
afterAll(async () => {
  await desk?.close();
});

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function logMb(home: string): number {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  const path = defaultLogPath(home);
  return (size(path) + size(`${path}-wal`)) / 2 ** 20;
}

const ratio = (a: number, b: number) => a / b;

describe.runIf(SLOW)('B7: the soak', () => {
  it(`${DESK_HOURS} desk hours through the host process: invariants hold, and RSS, heap, log size and the heartbeat check are sampled every desk hour`, async () => {
    desk = await openPaperDesk({ env: { TIME_SCALE: String(TIME_SCALE), DASHBOARD_PORT: '0' } });
    const d = desk;
    const host = await d.startHost();
    const url = /dashboard: (http\S+)/.exec(await host.waitForOutput(/dashboard: http\S+/))![1]!;
    const pid = Number(/\(pid (\d+)\)/.exec(host.stdout())![1]);
    const samples: SoakSample[] = [];
    let last = { sum: 0, count: 0 };
    let restartedAt: number | undefined;
    const started = Date.now();

    for (let hour = 1; hour <= DESK_HOURS; hour++) {
      const hourEnds = started + hour * HOUR_MS;
      if (hour === RESTART_AT_HOUR) {
        // The gateway's daily restart: the process goes away and comes back on the same port and state.
        restartedAt = Date.now();
        await d.sim.respawn();
        // Back once reconnected, resynced and reconciled: the flow carries on only then.
        await d.waitForBead('RECONCILIATION', (b) => Date.parse(b.ts) > restartedAt! && b.data.result === 'MATCH', 'the host back on the gateway, reconciled', 120_000);
      }
      await d.roundTrip(`soak-${hour}`).catch(async (err: Error) => {
        // What the host made of the intent, for whoever reads the failure.
        const story = (await d.beads()).filter((b) => b.correlation_id === `soak-${hour}` || ('intent_id' in b.data && b.data.intent_id === `soak-${hour}`));
        throw new Error(`${err.message}\n${story.map((b) => `${b.bead_type} ${JSON.stringify(b.data).slice(0, 300)}`).join('\n')}\nhost stderr: ${host.stderr().slice(-2000)}`);
      });
      // The rest of the desk hour passes with heartbeats and reconciliation only.
      const left = hourEnds - Date.now();
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      const text = await (await fetch(`${url}metrics`)).text();
      const sum = metric(text, 'phoenix_heartbeat_check_duration_seconds_sum');
      const count = metric(text, 'phoenix_heartbeat_check_duration_seconds_count');
      const checks = count - last.count;
      samples.push({ hour, rssMb: rssMb(pid), heapMb: metric(text, 'nodejs_heap_size_used_bytes') / 2 ** 20, logMb: logMb(d.home), checkMs: checks > 0 ? ((sum - last.sum) / checks) * 1000 : Number.NaN, checks });
      last = { sum, count };
    }

    const tripsDone = Date.now();
    const files = writeSoakReport(REPORTS, samples, `B7 soak: ${DESK_HOURS} desk hours at TIME_SCALE ${TIME_SCALE}, ${new Date().toISOString()}`);
    const h2 = samples.find((s) => s.hour === 2) ?? samples[0]!;
    const end = samples.at(-1)!;
    const rssGrowth = ratio(end.rssMb, h2.rssMb);
    const checkGrowth = ratio(end.checkMs, h2.checkMs);
    console.log(
      [
        `B7 soak: ${DESK_HOURS} desk hours in ${((Date.now() - started) / 60_000).toFixed(1)} min; ${files.csv}, ${files.svg}`,
        `  RSS hour ${h2.hour} → ${end.hour}: ${h2.rssMb.toFixed(0)} → ${end.rssMb.toFixed(0)} MB, ${rssGrowth.toFixed(2)}× (target ≤ 1.10×): ${rssGrowth <= 1.1 ? 'PASS' : 'FAIL'}`,
        `  heartbeat check hour ${h2.hour} → ${end.hour}: ${h2.checkMs.toFixed(3)} → ${end.checkMs.toFixed(3)} ms, ${checkGrowth.toFixed(2)}× (target ≤ 1.20×): ${checkGrowth <= 1.2 ? 'PASS' : 'FAIL'}`,
        `  log ${h2.logMb.toFixed(1)} → ${end.logMb.toFixed(1)} MB; heap ${h2.heapMb.toFixed(0)} → ${end.heapMb.toFixed(0)} MB`,
      ].join('\n'),
    );

    // Every invariant holds at the end.
    const sim = await d.sim.state();
    const entries = sim.orders.filter((o) => o.orderRef.endsWith('-entry')).map((o) => o.orderRef);
    expect(new Set(entries).size, 'an entry order sent twice').toBe(entries.length);
    expect(entries.length).toBe(DESK_HOURS);
    const fills = (await d.ofType('FILL')).map((f) => f.data.exec_id);
    expect(new Set(fills).size, 'a fill recorded twice').toBe(fills.length);
    expect([...new Set(fills)].sort(), 'fills lost or invented').toEqual(sim.executions.map((e) => e.execId).sort());
    await d.waitForBead('RECONCILIATION', (b) => Date.parse(b.ts) > tripsDone, 'a reconciliation after the last round trip', 60_000);
    expect((await d.ofType('RECONCILIATION')).at(-1)?.data.result).toBe('MATCH');
    const critical = (await d.ofType('ALERT')).filter((a) => a.data.event === 'RAISED' && a.data.severity === 'CRITICAL');
    const restartWindow = (ts: string) => restartedAt !== undefined && Date.parse(ts) >= restartedAt && Date.parse(ts) <= restartedAt + HOUR_MS;
    const sessions = await d.ofType('IBKR_SESSION');
    // Each unexplained CRITICAL with the connection's story around it (±5 s), for whoever reads the failure.
    const unexplained = critical
      .filter((a) => !restartWindow(a.ts))
      .map((a) => `${a.data.alert_type} at ${a.ts}: ${a.data.message}; sessions: ${sessions.filter((x) => Math.abs(Date.parse(x.ts) - Date.parse(a.ts)) < 5_000).map((x) => `${x.data.event} ${x.ts} ${JSON.stringify(x.data).slice(0, 200)}`).join(' | ')}`);
    expect(unexplained, 'a CRITICAL alert with no fault behind it').toEqual([]);
    expect(samples).toHaveLength(DESK_HOURS);
  }, 45 * 60_000);
});
