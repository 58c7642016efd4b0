import { afterEach, describe, expect, it } from 'vitest';
import type { MockConnector } from '../../actors/broker/mockConnector.ts';
import { replayPosition } from '../../machines/positionReplay.ts';
import { type FlowRig, intentOf, startFlowRig } from './flowRig.ts';

/**
 * The trade flow in process against the mock backend: a READY intent, a
 * person's decision through the log, the bracket through the guard chain,
 * and the position followed to its autopsy.
 */

let rig: FlowRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** The states a position went through, a repeated state (SUBMITTED, then acknowledged) said once. */
const states = async (r: FlowRig, positionId: string) =>
  (await r.ofType('POSITION'))
    .filter((b) => b.data.position_id === positionId)
    .map((b) => b.data.state)
    .filter((s, i, all) => s !== all[i - 1]);

describe('trade flow (mock backend)', () => {
  it('READY → evidence → APPROVE → bracket → SUBMITTED → FILLED → MANAGED → target → CLOSED → AUTOPSY, one correlation id', async () => {
    rig = await startFlowRig();
    const r = rig;
    await r.ready(intentOf('t-1'));
    await r.waitForBead('APPROVAL', (b) => b.data.event === 'EVIDENCE_SHOWN', 'evidence shown');
    await r.decide('t-1');
    await r.waitForBead('POSITION', (b) => b.data.state === 'MANAGED', 'MANAGED');
    (r.broker.connector as MockConnector).broker.setPrice('EURUSD', 1.0915);
    await r.waitForBead('AUTOPSY', (b) => b.data.position_id === 't-1', 'autopsy');
    expect(await states(r, 't-1')).toEqual(['SUBMITTED', 'FILLED', 'MANAGED', 'CLOSED']);
    const story = (await r.beads()).filter((b) => ['INTENT', 'APPROVAL', 'ORDER', 'FILL', 'POSITION', 'AUTOPSY'].includes(b.bead_type));
    expect(story.every((b) => b.correlation_id === 't-1')).toBe(true);
    const autopsy = (await r.ofType('AUTOPSY'))[0]!;
    expect(autopsy.data.exit_reason).toBe('TARGET');
    const positionBeads = (await r.beads()).filter((b) => b.stream === 'position-t-1');
    expect(replayPosition(positionBeads).anomalies).toEqual([]);
  });

  it('a manual close cancels the children and closes at market', async () => {
    rig = await startFlowRig();
    const r = rig;
    await r.ready(intentOf('t-2'));
    await r.waitForBead('APPROVAL', (b) => b.data.event === 'EVIDENCE_SHOWN', 'evidence shown');
    await r.decide('t-2');
    await r.waitForBead('POSITION', (b) => b.data.state === 'MANAGED', 'MANAGED');
    await r.close('t-2', 't-2');
    const autopsy = await r.waitForBead('AUTOPSY', (b) => b.data.position_id === 't-2', 'autopsy');
    expect(autopsy.data.exit_reason).toBe('MANUAL');
    expect(await states(r, 't-2')).toEqual(['SUBMITTED', 'FILLED', 'MANAGED', 'CLOSING', 'CLOSED']);
  });
});
