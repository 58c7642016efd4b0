import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bead, type BeadDraft, stamp, streams } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { UsageError } from '../../tools/command.ts';
import { queryCommand } from '../../tools/commands/query.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runPhoenix } from '../support/phoenixProcess.ts';

const HOST = 'q-host';
const S = 1000;
const MIN = 60 * S;
const NOW = Date.now();
let temp: ReturnType<typeof makeTempDir>;

function bead(at: number, draft: BeadDraft, hostId = HOST): Bead {
  return stamp(draft, { bead_id: uuidV7Ids.next(), ts: new Date(at).toISOString(), host_id: hostId, mode: 'PAPER' });
}
const beat = (at: number, status: 'HEALTHY' | 'MISSED' = 'HEALTHY', miss_count = 0) =>
  bead(at, {
    bead_type: 'HEARTBEAT',
    stream: streams.heartbeat(HOST),
    correlation_id: 'hb',
    data: { status, checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count },
  });

beforeAll(async () => {
  temp = makeTempDir('phoenix-query');
  const log = new SqliteEventLog(defaultLogPath(temp.dir));
  // The last beat lands a minute after NOW, so a query that runs late on a busy
  // box does not also see the silence since the last beat as a gap.
  const t = NOW - 30 * MIN + 90 * S;
  const beads: Bead[] = [
    // 30 min of beats with one 3-minute silence the watchdog caught.
    ...Array.from({ length: 20 }, (_, i) => beat(t + i * 30 * S)),
    beat(t + 10 * MIN + 5 * S, 'MISSED', 1),
    ...Array.from({ length: 36 }, (_, i) => beat(t + 12 * MIN + i * 30 * S)),
    bead(t, { bead_type: 'IBKR_SESSION', stream: streams.connection(HOST), correlation_id: 's', data: { event: 'DISCONNECT', mode: 'PAPER', account: 'DU1', port: 4002, reason: 'gateway restarted' } }),
    bead(t + 40 * S, { bead_type: 'IBKR_SESSION', stream: streams.connection(HOST), correlation_id: 's', data: { event: 'CONNECT', mode: 'PAPER', account: 'DU1', port: 4002, reconnect_attempt: 1 } }),
    bead(t + MIN, { bead_type: 'ALERT', stream: streams.alerts, correlation_id: 'a', data: { event: 'RAISED', alert_id: 'al-1', alert_type: 'HOST_DOWN', severity: 'CRITICAL', message: 'Phoenix host q-host is down', runbook_id: 'RB-010', dedupe_key: 'k' } }, `${HOST}-watchdog`),
    bead(t + MIN + S, { bead_type: 'ALERT', stream: streams.alerts, correlation_id: 'a', data: { event: 'SENT', alert_id: 'al-1', alert_type: 'HOST_DOWN', severity: 'CRITICAL', message: 'sent', dedupe_key: 'k' } }),
    bead(t + 2 * MIN, { bead_type: 'RECONCILIATION', stream: streams.reconciliation, correlation_id: 'r', data: { result: 'DRIFT', trigger: 'PERIODIC', broker: { positions: [], open_orders: [] }, local: { positions: [], open_orders: [] }, drift: [{ kind: 'POSITION_QUANTITY', subject: 'EURUSD', broker: '20000', local: '0' }] } }),
    bead(t + 3 * MIN, { bead_type: 'POSITION', stream: streams.position('p-1'), correlation_id: 'i', data: { position_id: 'p-1', state: 'SUBMITTED', pair: 'EURUSD', side: 'LONG', quantity: 20000, stop: 1.08, target: 1.09 } }),
    bead(t + 4 * MIN, { bead_type: 'POSITION', stream: streams.position('p-1'), correlation_id: 'i', data: { position_id: 'p-1', state: 'FILLED', pair: 'EURUSD', side: 'LONG', quantity: 20000, stop: 1.08, target: 1.09 } }),
    bead(t + 5 * MIN, { bead_type: 'BUNNY', stream: streams.bunny, correlation_id: 'b', data: { run_id: 'run-1', vector_id: 'CV_S33_7', result: 'FAIL', evidence: 'alert sent twice' } }),
  ];
  for (const b of beads) await log.append(b.stream, [b]);
  await log.close();
});
afterAll(() => temp.remove());

async function query(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (push: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        push(String(chunk));
        done();
      },
    });
  const code = await queryCommand.run(argv, {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    stdin: process.stdin,
    env: { PHOENIX_HOME: temp.dir, PHOENIX_HOST_ID: HOST, PHOENIX_ENV_FILE: '/nonexistent/.env' },
    cwd: process.cwd(),
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

describe('phoenix query', () => {
  it('heartbeat-gaps --hours 1: the 3-minute silence, with the watchdog’s miss', async () => {
    const { code, out } = await query(['heartbeat-gaps', '--hours', '1']);
    expect(code).toBe(0);
    expect(out).toMatch(/^1 heartbeat gap for q-host in the last 1 h, 2 min without a heartbeat in all \(56 heartbeats; longest interval 150\.0 s\)/);
    expect(out).toMatch(/from\s+to\s+length\s+misses\s+cause\n.*Z\s+.*Z\s+2 min\s+1\s+missed/);
  });

  it('--json gives the same answer for tools', async () => {
    const { out } = await query(['heartbeat-gaps', '--hours', '1', '--json']);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ query: 'heartbeat-gaps', host: HOST, beats: 56, gaps: [{ durationMs: 150_000, misses: 1, cause: 'missed' }] });
  });

  it('connection-gaps, alerts, drift, positions and scars answer from the same log', async () => {
    expect((await query(['connection-gaps', '--days', '1'])).out).toMatch(/1 connection gap for q-host in the last 1 day, 40 s disconnected in all[\s\S]*40 s\s+0\s+gateway restarted/);
    const alerts = (await query(['alerts', '--hours', '1'])).out;
    expect(alerts).toMatch(/1 alert in the last 1 h \(1 CRITICAL\)/);
    expect(alerts).toMatch(/CRITICAL\s+HOST_DOWN\s+RAISED\s+SENT\s+RB-010\s+Phoenix host q-host is down/);
    expect((await query(['drift'])).out).toMatch(/1 reconciliation in the last 7 days, 1 with drift; the last was DRIFT[\s\S]*POSITION_QUANTITY EURUSD \(broker 20000, local 0\)/);
    expect((await query(['positions', '--days', '1'])).out).toMatch(/p-1\s+EURUSD\s+LONG\s+20000[\s\S]*SUBMITTED → FILLED/);
    expect((await query(['scars', '--days', '1'])).out).toMatch(/1 bunny scar[\s\S]*CV_S33_7\s+alert sent twice/);
    expect((await query(['alerts', '--hours', '0.001'])).out).toMatch(/^No alerts in the last 0.001 h/);
  });

  it('bad arguments are refused with a message that says what to do', async () => {
    const refusal = async (argv: string[]) => query(argv).then(() => 'accepted', (e: Error) => (e instanceof UsageError ? e.message : `threw ${e.message}`));
    expect(await refusal([])).toMatch(/name a question: heartbeat-gaps, connection-gaps, alerts, drift, positions, scars/);
    expect(await refusal(['heartbeat-holes'])).toMatch(/unknown question "heartbeat-holes"/);
    expect(await refusal(['alerts', '--hours', 'abc'])).toMatch(/--hours must be a positive number, e.g. --hours 24 \(got "abc"\)/);
    expect(await refusal(['alerts', '--hours', '0'])).toMatch(/--hours must be more than 0/);
    expect(await refusal(['alerts', '--hours', '1', '--days', '1'])).toMatch(/give --hours or --days, not both/);
    expect(await refusal(['alerts', '--days', '99999'])).toMatch(/more than ten years/);
    expect(await refusal(['alerts', 'extra'])).toMatch(/unexpected "extra"/);
  });

  it('as a real process: exit 0 with the answer, exit 2 with the reason on bad input', async () => {
    const env = { PHOENIX_HOME: temp.dir, PHOENIX_HOST_ID: HOST };
    const ok = await runPhoenix(['query', 'heartbeat-gaps', '--hours', '1'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1 heartbeat gap for q-host/);
    const bad = await runPhoenix(['query', 'alerts', '--hours', 'lots'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/phoenix query: --hours must be a positive number[\s\S]*phoenix query --help/);
    const help = await runPhoenix(['query', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: phoenix query <question>[\s\S]*heartbeat-gaps[\s\S]*phoenix query connection-gaps --days 7/);
  });
});
