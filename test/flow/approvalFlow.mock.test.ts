import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { responsePath } from '../../actors/intents/index.ts';
import type { Bead } from '../../beads/index.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { StreamAppend } from '../../store/port.ts';
import { type FlowRig, intentOf, startFlowRig } from './flowRig.ts';

/** A memory log that remembers what each commit held. */
class CommitLog extends MemoryEventLog {
  readonly commits: Bead[][] = [];
  override appendMany(appends: readonly StreamAppend[]) {
    this.commits.push(appends.flatMap((a) => a.beads));
    return super.appendMany(appends);
  }
}

const describeBead = (b: Bead) => (b.bead_type === 'APPROVAL' || b.bead_type === 'ORDER' ? `${b.bead_type} ${b.data.event}` : b.bead_type);

/**
 * The approval actor's refusals, in process on the mock backend: a person
 * who waits past the stale gate blocks nothing but the order (CV_S33_9), and
 * a SET kill flag refuses the entry at the guard chain. Either way nothing
 * reaches the broker and response.md says why.
 */

let rig: FlowRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const events = async (r: FlowRig, id: string) => (await r.ofType('APPROVAL')).filter((b) => b.data.intent_id === id).map((b) => b.data.event);

describe('approval refusals (mock backend)', () => {
  it('CV_S33_9: waiting past the stale gate gives STATE_CONFLICT; a decision after it sends nothing', async () => {
    // 1 min × TIME_SCALE 0.01: the anchor is stale 600 ms after the intent was made.
    rig = await startFlowRig({ env: { STALE_GATE_MINUTES: '1' } });
    const r = rig;
    await r.ready(intentOf('stale-1'));
    await r.waitForBead('APPROVAL', (b) => b.data.intent_id === 'stale-1' && b.data.event === 'EVIDENCE_SHOWN', 'evidence');
    await r.waitForBead('APPROVAL', (b) => b.data.intent_id === 'stale-1' && b.data.event === 'STATE_CONFLICT', 'STATE_CONFLICT', 5_000);
    await r.decide('stale-1');
    await new Promise((res) => setTimeout(res, 300));
    await r.flow.settled();
    expect(await events(r, 'stale-1')).toEqual(['RECEIVED', 'ANCHOR_CHECKED', 'EVIDENCE_SHOWN', 'STATE_CONFLICT', 'DECISION']);
    expect(await r.ofType('ORDER')).toEqual([]);
    expect(await readFile(responsePath(r.config.homeDir), 'utf8')).toContain('STATE_CONFLICT');
  });

  it('a SET kill flag refuses the entry at the guard chain: the approval ends REJECTED, the token unused, nothing sent', async () => {
    rig = await startFlowRig();
    const r = rig;
    await r.ready(intentOf('killed-1'));
    await r.waitForBead('APPROVAL', (b) => b.data.intent_id === 'killed-1' && b.data.event === 'EVIDENCE_SHOWN', 'evidence');
    r.setKillFlag('SET');
    await r.decide('killed-1');
    const rejected = await r.waitForBead('APPROVAL', (b) => b.data.intent_id === 'killed-1' && b.data.event === 'REJECTED', 'REJECTED');
    expect(rejected.data.reason).toMatch(/KILL_FLAG/);
    // The token was minted: that stays a fact in the log even though no write-ahead came to carry it.
    expect(await events(r, 'killed-1')).toEqual(['RECEIVED', 'ANCHOR_CHECKED', 'EVIDENCE_SHOWN', 'DECISION', 'TOKEN_ISSUED', 'REJECTED']);
    expect(await r.ofType('ORDER')).toEqual([]);
    expect(await r.ofType('POSITION')).toEqual([]);
  });

  it('the TOKEN_ISSUED bead and the bracket\'s three write-ahead ORDER beads are one commit, and it precedes the send', async () => {
    const log = new CommitLog();
    rig = await startFlowRig({ log });
    const r = rig;
    await r.ready(intentOf('one-commit-1'));
    await r.waitForBead('APPROVAL', (b) => b.data.intent_id === 'one-commit-1' && b.data.event === 'EVIDENCE_SHOWN', 'evidence');
    await r.decide('one-commit-1');
    await r.waitForBead('APPROVAL', (b) => b.data.intent_id === 'one-commit-1' && b.data.event === 'CONSUMED', 'CONSUMED');
    const ahead = log.commits.find((c) => c.some((b) => b.bead_type === 'APPROVAL' && b.data.event === 'TOKEN_ISSUED'));
    expect(ahead?.map(describeBead)).toEqual(['APPROVAL TOKEN_ISSUED', 'ORDER SUBMIT_REQUESTED', 'ORDER SUBMIT_REQUESTED', 'ORDER SUBMIT_REQUESTED']);
    // The broker's first word about the entry comes after that commit, never before it.
    await r.waitForBead('ORDER', (b) => b.data.event === 'STATUS', 'the broker acknowledging an order');
    const order = log.commits.flat().map(describeBead);
    expect(order.indexOf('ORDER SUBMIT_REQUESTED')).toBeLessThan(order.findIndex((d) => d === 'ORDER STATUS' || d === 'FILL'));
  });

  it('a READY intent delivered twice (a crash before its file moved) starts one approval', async () => {
    rig = await startFlowRig();
    const r = rig;
    const intent = intentOf('twice-1');
    await r.ready(intent);
    await r.ready(intent);
    await r.waitForBead('APPROVAL', (b) => b.data.intent_id === 'twice-1' && b.data.event === 'EVIDENCE_SHOWN', 'evidence');
    await r.flow.settled();
    expect((await events(r, 'twice-1')).filter((e) => e === 'RECEIVED')).toHaveLength(1);
  });
});
