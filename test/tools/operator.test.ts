/**
 * One operator identity for every command that records a person: `--as
 * NAME`, else PHOENIX_OPERATOR, else the OS user, resolved the same way by
 * approve, reject, close, halt and resume. A mock host runs as its own
 * process; each command is the real bin, as an operator would type it.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeRequestOf } from '../../beads/closeRequest.ts';
import type { Bead } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { runPhoenix, startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from './commandIo.ts';

let home: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  home = makeTempDir('phoenix-operator');
});
afterEach(() => home.remove());

async function beads(): Promise<Bead[]> {
  if (!existsSync(defaultLogPath(home.dir))) return [];
  const log = new SqliteEventLog(defaultLogPath(home.dir), { readonly: true });
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  await log.close();
  return out;
}

async function waitFor(match: (b: Bead) => boolean, what: string, timeoutMs = 20_000): Promise<Bead> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await beads()).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const approvalEvent = (id: string, event: string) => (b: Bead) => b.bead_type === 'APPROVAL' && b.data.intent_id === id && b.data.event === event;
const decisionOf = async (id: string) => {
  const d = await waitFor(approvalEvent(id, 'DECISION'), `the decision on ${id}`);
  return d.bead_type === 'APPROVAL' ? [d.data.decided_by, d.data.channel] : [];
};
const flags = async () => (await beads()).flatMap((b) => (b.bead_type === 'KILL_FLAG' ? [`${b.data.state} ${b.data.who}`] : []));

describe('who the CLI records', () => {
  it('every command records the same person: PHOENIX_OPERATOR, else the OS user, and --as above both', async () => {
    const base = { PHOENIX_HOME: home.dir, LOG_LEVEL: 'warn' };
    const carol = { ...base, PHOENIX_OPERATOR: 'carol' };
    const erin = { ...base, USER: 'erin' };
    const host = startPhoenix(['run'], base);
    await host.waitForOutput(/running in MOCK mode/);
    const ready = async (id: string) => {
      const args = ['mock-cse', '--signal', 'READY', '--pair', 'EURUSD', '--confidence', '0.85', '--entry', '1.0850', '--stop', '1.0820', '--target', '1.0910', '--setup-type', 'FVG_ENTRY', '--intent-id', id];
      expect((await runPhoenix(args, base)).code).toBe(0);
      await waitFor(approvalEvent(id, 'EVIDENCE_SHOWN'), `the evidence for ${id}`);
    };

    await ready('who-1');
    const approved = await runPhoenix(['approve', 'who-1', '--yes'], carol);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/APPROVE recorded for who-1 by carol \(TERMINAL\)/);
    expect(await decisionOf('who-1')).toEqual(['carol', 'TERMINAL']);

    await waitFor((b) => b.bead_type === 'POSITION' && b.data.position_id === 'who-1' && b.data.state === 'MANAGED', 'who-1 MANAGED');
    const closed = await runPhoenix(['close', 'who-1', '--reason', 'end of test'], carol);
    expect(closed.code, closed.stderr).toBe(0);
    expect((await beads()).flatMap((b) => closeRequestOf(b) ?? [])).toEqual([{ positionId: 'who-1', who: 'cli:carol', reason: 'end of test' }]);
    await waitFor((b) => b.bead_type === 'POSITION' && b.data.position_id === 'who-1' && b.data.state === 'CLOSED', 'who-1 CLOSED');

    // No PHOENIX_OPERATOR: the OS user, recorded the same way as the operator above.
    const halted = await runPhoenix(['halt', '--reason', 'identity drill'], erin);
    expect(halted.code, halted.stderr).toBe(0);
    expect(halted.stdout).toMatch(/requested by cli:erin/);
    const resumed = await runPhoenix(['resume', '--reason', 'identity drill over'], carol);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await flags()).toEqual(['SET cli:erin', 'CLEARED cli:carol']);

    await ready('who-2');
    await ready('who-3');
    expect((await runPhoenix(['reject', 'who-2', '--reason', 'spread', '--as', 'dave'], carol)).code).toBe(0);
    expect((await runPhoenix(['reject', 'who-3', '--reason', 'spread'], erin)).code).toBe(0);
    expect(await decisionOf('who-2')).toEqual(['dave', 'TERMINAL']);
    expect(await decisionOf('who-3')).toEqual(['erin', 'TERMINAL']);

    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });

  it('refuses a name that is not a plain name, wherever it comes from, with exit 2 and what to do', async () => {
    const env = { PHOENIX_HOME: home.dir };
    const as = await runCli(['resume', '--reason', 'x', '--as', 'alice smith'], env);
    expect(as.code).toBe(2);
    expect(as.stderr).toMatch(/--as must be a plain name/);
    const configured = await runCli(['resume', '--reason', 'x'], { ...env, PHOENIX_OPERATOR: 'alice smith' });
    expect(configured.code).toBe(2);
    expect(configured.stderr).toMatch(/PHOENIX_OPERATOR: a plain name/);
    const osUser = await runCli(['close', 'p-1'], { ...env, USER: 'alice smith' });
    expect(osUser.code).toBe(2);
    expect(osUser.stderr).toMatch(/your OS user name must be a plain name .*got "alice smith": pass --as NAME or set PHOENIX_OPERATOR/);
  });
});
