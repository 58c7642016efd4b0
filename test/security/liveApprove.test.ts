import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeDecision } from '../../actors/approval/judgeDecision.ts';
import { type BeadOf, streams } from '../../beads/index.ts';
import { enrol, totpOf } from '../../runtime/operators/enrolment.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { runCli } from '../tools/commandIo.ts';
import { evidence, HASH, intent } from '../approval/fixtures.ts';
import { stampAt } from '../machines/support.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * Issue 17: `phoenix approve` in LIVE, as a person at a terminal does it: the
 * evidence and the order on the screen, "y", then the code from the phone.
 * The decision bead it writes carries an HMAC of that code over this order,
 * never the code, and the host's judgement accepts it once.
 */

const temps: (() => void)[] = [];
afterEach(() => {
  for (const remove of temps.splice(0)) remove();
});

async function awaitingInLive(dir: string): Promise<void> {
  const now = Date.now();
  const i = intent({ created_at: new Date(now - 1_000).toISOString() });
  const shown = { ...evidence(i), anchor: { created_at: i.created_at, age_s: 1, stale_after_s: 900 } };
  const log = new SqliteEventLog(defaultLogPath(dir));
  const stream = streams.approval('cse-1');
  const at = (event: BeadOf<'APPROVAL'>['data'], dt: number) => stampAt({ bead_type: 'APPROVAL', stream, correlation_id: 'cse-1', data: event }, now + dt, 'LIVE');
  await log.append(stream, [
    at({ intent_id: 'cse-1', event: 'RECEIVED', content_hash: HASH, evidence: { intent: i, stale_gate_ms: 900_000, token_ttl_ms: 120_000 } }, 0),
    at({ intent_id: 'cse-1', event: 'ANCHOR_CHECKED', verdict: 'FRESH', anchor_age_s: 1 }, 1),
    at({ intent_id: 'cse-1', event: 'EVIDENCE_SHOWN', content_hash: HASH, anchor_age_s: 1, evidence: shown }, 2),
  ]);
  await log.close();
}

async function approveAtTerminal(dir: string, typed: string): Promise<{ code: number; out: string; err: string }> {
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  stdin.isTTY = true;
  stdin.end(typed);
  const env = { PHOENIX_HOME: dir, IBKR_MODE: 'live', IBKR_ACCOUNT: 'U1234567', PHOENIX_HOST_ID: 'live-host', LOG_LEVEL: 'silent' };
  const { code, stdout, stderr } = await runCli(['approve', 'cse-1', '--as', 'alice'], env, stdin);
  return { code, out: stdout, err: stderr };
}

describe('phoenix approve in LIVE', () => {
  it('asks for the code after the confirmation, writes only its HMAC over this order, and the host accepts it once', async () => {
    const t = makeTempDir('phoenix-live-approve');
    temps.push(t.remove);
    await awaitingInLive(t.dir);
    const now = Date.now();
    const op = enrol(t.dir, 'alice', { now });
    const code = totpOf(op).generate({ timestamp: now });
    const run = await approveAtTerminal(t.dir, `y\n${code}\n`);
    expect(run.out).toMatch(/The order: BUY 20,000 EURUSD at market on DU1234567/);
    expect(run.out).toMatch(/TOTP code for alice/);
    // No host runs here: the decision waits in the log for one to judge it.
    expect(run.err).toMatch(/no answer from the host yet/);
    const log = new SqliteEventLog(defaultLogPath(t.dir), { readonly: true });
    const decision = (await log.readStream(streams.approval('cse-1'))).flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'APPROVAL' && e.bead.data.event === 'DECISION' ? [e.bead as BeadOf<'APPROVAL'>] : []))[0]!;
    await log.close();
    expect(decision.host_id).toBe('live-host-cli');
    expect(decision.data.proof).toMatchObject({ method: 'TOTP', operator: 'alice', mac: expect.any(String) });
    expect(JSON.stringify(decision)).not.toContain(code);
    const judge = () => judgeDecision(decision, { mode: 'LIVE', homeDir: t.dir, allowedTelegramUsers: [], now: Date.now(), sealed: false, shown: decision.data.binding });
    expect(judge()).toMatchObject({ ok: true, method: 'TOTP', operator: 'alice' });
    expect(judge()).toMatchObject({ ok: false, why: expect.stringMatching(/already used/) });
  });

  it('a wrong code is a refusal at the terminal; without a terminal nothing is asked and nothing written', async () => {
    const t = makeTempDir('phoenix-live-approve');
    temps.push(t.remove);
    await awaitingInLive(t.dir);
    expect((await approveAtTerminal(t.dir, 'y\n12ab\n')).code).toBe(1);
    const { runCli } = await import('../tools/commandIo.ts');
    const script = await runCli(['approve', 'cse-1', '--as', 'alice'], { PHOENIX_HOME: t.dir, IBKR_MODE: 'live', IBKR_ACCOUNT: 'U1234567', LOG_LEVEL: 'silent' });
    expect(script.code).toBe(2);
    expect(script.stderr).toMatch(/in LIVE an approval needs you at the terminal/);
    const log = new SqliteEventLog(defaultLogPath(t.dir), { readonly: true });
    const events = (await log.readStream(streams.approval('cse-1'))).flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'APPROVAL' ? [e.bead.data.event] : []));
    await log.close();
    expect(events).not.toContain('DECISION');
  });
});
