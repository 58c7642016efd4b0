import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import type { CommandIo } from '../../tools/command.ts';
import { main } from '../../tools/cli.ts';
import { approvalInput, evidence, intent } from '../approval/fixtures.ts';
import { ApprovalFlow } from '../approval/flowHarness.ts';

/**
 * `phoenix approve` and `phoenix reject` against a real SQLite log in a temp
 * PHOENIX_HOME, holding approval streams as the host would have written them.
 */

const MIN = 60_000;

function io(env: Record<string, string>, answer?: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  if (answer !== undefined) {
    stdin.isTTY = true;
    stdin.end(`${answer}\n`);
  }
  const value: CommandIo = { stdout, stderr, stdin, env, cwd: process.cwd(), signal: new AbortController().signal };
  return { value, out: () => out, err: () => err };
}

/** An approval awaiting a decision, its anchor `ageMin` minutes old now, shown `shownMinAgo` minutes ago. */
async function awaiting(id: string, ageMin = 1, shownMinAgo = 0): Promise<Bead[]> {
  const now = Date.now();
  const i = intent({ intent_id: id, created_at: new Date(now - ageMin * MIN).toISOString() });
  const flow = new ApprovalFlow(approvalInput({ intent: i, receivedAt: now - shownMinAgo * MIN, staleGateMs: 15 * MIN, tokenTtlMs: 2 * MIN }));
  flow.holdSubmits = true;
  await flow.send({ type: 'VALIDATE', at: flow.now });
  await flow.send({ type: 'EVIDENCE_READY', evidence: evidence(i), at: flow.now });
  return flow.beads;
}

async function decisions(home: string, id: string) {
  const log = new SqliteEventLog(defaultLogPath(home), { readonly: true });
  try {
    return (await log.readStream(`approval-${id}`)).flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'APPROVAL' && e.bead.data.event === 'DECISION' ? [e.bead.data] : []));
  } finally {
    await log.close();
  }
}

describe('phoenix approve / reject', () => {
  let home: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'phoenix-approve-'));
    env = { PHOENIX_HOME: home };
    const log = new SqliteEventLog(defaultLogPath(home));
    for (const id of ['fresh', 'to-reject', 'asked', 'declined']) for (const b of await awaiting(id)) await log.append(b.stream, [b]);
    for (const b of await awaiting('stale', 16, 1)) await log.append(b.stream, [b]);
    await log.close();
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('--yes: shows the evidence, records APPROVE by --as on TERMINAL, exit 0; a second approval is refused with exit 1', async () => {
    const t = io(env);
    expect(await main(['approve', 'fresh', '--yes', '--as', 'alice'], t.value)).toBe(0);
    expect(t.out()).toMatch(/^Approval needed: fresh LONG 20000 EURUSD — decide before /);
    expect(t.out()).toMatch(/money at risk +60\.00 USD/);
    expect(t.out()).toMatch(/APPROVE recorded for fresh by alice \(TERMINAL\): bead [0-9a-f-]+ on approval-fresh/);
    expect(await decisions(home, 'fresh')).toEqual([expect.objectContaining({ decision: 'APPROVE', decided_by: 'alice', channel: 'TERMINAL' })]);

    const again = io(env);
    expect(await main(['approve', 'fresh', '--yes', '--as', 'bob'], again.value)).toBe(1);
    expect(again.err()).toMatch(/already decided: APPROVE by alice on TERMINAL/);
  });

  it('on a terminal it asks: y records the decision, anything else records nothing', async () => {
    const yes = io(env, 'y');
    expect(await main(['approve', 'asked', '--as', 'alice'], yes.value)).toBe(0);
    expect(yes.out()).toContain('Approve asked as alice? Nothing is sent otherwise. [y/N]');
    expect(await decisions(home, 'asked')).toHaveLength(1);

    const no = io(env, '');
    expect(await main(['approve', 'declined', '--as', 'alice'], no.value)).toBe(1);
    expect(no.err()).toMatch(/not approved; declined is still awaiting a decision/);
    expect(await decisions(home, 'declined')).toEqual([]);
  });

  it('refuses clearly: unknown intent exit 2, stale exit 1, no terminal without --yes exit 2', async () => {
    const unknown = io(env);
    expect(await main(['approve', 'ghost', '--yes', '--as', 'alice'], unknown.value)).toBe(2);
    expect(unknown.err()).toMatch(/phoenix approve: no intent ghost in the log/);

    const stale = io(env);
    expect(await main(['approve', 'stale', '--yes', '--as', 'alice'], stale.value)).toBe(1);
    expect(stale.err()).toMatch(/anchor went stale at .*STATE_CONFLICT/);

    const script = io(env);
    expect(await main(['approve', 'fresh', '--as', 'alice'], script.value)).toBe(2);
    expect(script.err()).toMatch(/stdin is not a terminal: pass --yes/);
    expect(await decisions(home, 'fresh')).toEqual([]);

    const usage = io(env);
    expect(await main(['approve', '--yes'], usage.value)).toBe(2);
    expect(usage.err()).toMatch(/name exactly one intent id/);
  });

  it('reject needs a reason, records it, and ends the question', async () => {
    const missing = io(env);
    expect(await main(['reject', 'to-reject', '--as', 'alice'], missing.value)).toBe(2);
    expect(missing.err()).toMatch(/--reason is required/);

    const t = io(env);
    expect(await main(['reject', 'to-reject', '--reason', 'spread too wide', '--as', 'alice'], t.value)).toBe(0);
    expect(t.out()).toMatch(/REJECT recorded for to-reject by alice/);
    expect(await decisions(home, 'to-reject')).toEqual([expect.objectContaining({ decision: 'REJECT', reason: 'spread too wide' })]);

    const late = io(env);
    expect(await main(['approve', 'to-reject', '--yes', '--as', 'bob'], late.value)).toBe(1);
    expect(late.err()).toMatch(/already decided: REJECT by alice/);
  });
});
