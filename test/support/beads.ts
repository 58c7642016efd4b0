import { type Bead, type BeadDraft, stamp } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';

let tick = Date.parse('2026-11-24T09:00:00.000Z');

/** A valid bead for tests: a DRILL bead unless a draft is given. */
export function testBead(stream: string, draft?: Partial<BeadDraft>): Bead {
  tick += 1;
  const base: BeadDraft = {
    bead_type: 'DRILL',
    stream,
    correlation_id: `corr-${stream}`,
    data: { runbook_id: 'RB-004', event: 'STARTED' },
  };
  return stamp({ ...base, ...draft, stream } as BeadDraft, {
    bead_id: uuidV7Ids.next(),
    ts: new Date(tick).toISOString(),
    host_id: 'test-host',
    mode: 'MOCK',
  });
}

export function testBeads(stream: string, n: number): Bead[] {
  return Array.from({ length: n }, () => testBead(stream));
}
