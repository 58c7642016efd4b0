import { describe, expect, it } from 'vitest';
import { type BeadData, IntentSchema, stamp } from '../../beads/index.ts';
import { cloneIntentsView, emptyIntentsView, foldAllIntents, intentRecord, isAcceptedIntent } from '../../projections/intents.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { testBead } from '../support/beads.ts';
import { validIntent } from './support.ts';

function intentBead(data: BeadData<'INTENT'>) {
  const id = data.outcome === 'ACCEPTED' ? data.intent.intent_id : (data.intent_id ?? 'x');
  return stamp(
    { bead_type: 'INTENT', stream: `intent-${id}`, correlation_id: id, data },
    { bead_id: uuidV7Ids.next(), ts: '2026-11-24T09:00:00.000Z', host_id: 'h', mode: 'MOCK' },
  );
}

const accepted = (id: string, file = `${id}.yaml`) =>
  intentBead({ outcome: 'ACCEPTED', intent: IntentSchema.parse(validIntent({ intent_id: id })), source_file: file, content_hash: 'h' });
const rejected = (id: string | undefined, file = 'bad.yaml') =>
  intentBead({ outcome: 'REJECTED', source_file: file, reasons: ['no'], ...(id === undefined ? {} : { intent_id: id }) });

describe('projections/intents: what the log says about each intent id', () => {
  it('given an acceptance, the id is settled; later refusals (duplicates) are counted, not overriding', () => {
    const view = foldAllIntents([accepted('a'), rejected('a', 'again.yaml'), rejected('a', 'again2.yaml')]);
    expect(intentRecord(view, 'a')).toMatchObject({ outcome: 'ACCEPTED', source_file: 'a.yaml', signal: 'READY', refusals: 2 });
    expect(isAcceptedIntent(view, 'a')).toBe(true);
  });

  it('given a refusal, the id is not reserved: a later acceptance settles it', () => {
    const view = foldAllIntents([rejected('b'), accepted('b')]);
    expect(intentRecord(view, 'b')).toMatchObject({ outcome: 'ACCEPTED', refusals: 0 });
    expect(isAcceptedIntent(foldAllIntents([rejected('c')]), 'c')).toBe(false);
  });

  it('counts refusals without an id, and ignores other bead types', () => {
    const view = foldAllIntents([rejected(undefined), testBead('drill'), rejected(undefined)]);
    expect(view.refusedWithoutId).toBe(2);
    expect(view.byId.size).toBe(0);
  });

  it('keeps the first of two acceptances of one id', () => {
    const first = accepted('d', 'first.yaml');
    const view = foldAllIntents([first, accepted('d', 'second.yaml')]);
    expect(intentRecord(view, 'd')).toMatchObject({ bead_id: first.bead_id, source_file: 'first.yaml' });
  });

  it('a clone is a snapshot: folding on does not change it', () => {
    const view = foldAllIntents([rejected('e')]);
    const snapshot = cloneIntentsView(view);
    foldAllIntents([accepted('e')], view);
    expect(intentRecord(snapshot, 'e')?.outcome).toBe('REJECTED');
    expect(intentRecord(emptyIntentsView(), 'e')).toBeUndefined();
  });
});
