import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responsePath } from '../../actors/intents/index.ts';
import { intentBeads, intentYaml, listFiles, readText, type Seam, startSeam, waitForOutcome } from './support.ts';

/** The classic "billion laughs": nine levels of nine aliases. */
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((c, i) => {
    const prev = 'abcdefghi'[i]!;
    return `${c}: &${c} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
  }),
].join('\n');

interface BadCase {
  title: string;
  name: string;
  content: string | Buffer;
  reason: RegExp;
}

const CASES: BadCase[] = [
  { title: 'malformed YAML', name: 'malformed.yaml', content: 'intent_id: [unclosed\nsignal: READY\n', reason: /malformed YAML/ },
  { title: 'duplicate keys', name: 'dupkeys.yaml', content: `${intentYaml({ intent_id: 'dk' })}pair: GBPUSD\n`, reason: /Map keys must be unique/ },
  { title: 'several documents', name: 'multi.yaml', content: `${intentYaml({ intent_id: 'm1' })}---\n${intentYaml({ intent_id: 'm2' })}`, reason: /multiple documents/ },
  { title: 'wrong type (string price)', name: 'wrongtype.yaml', content: intentYaml({ intent_id: 'wt', entry: 'abc' }), reason: /entry: expected number, got the string "abc"/ },
  { title: 'wrong type (list)', name: 'list.yaml', content: '- 1\n- 2\n', reason: /document must be a mapping of intent fields, got a list/ },
  { title: 'missing field', name: 'missing.yaml', content: intentYaml({ intent_id: 'mf', target: undefined }), reason: /target: missing/ },
  { title: 'unknown field', name: 'extra.yaml', content: `${intentYaml({ intent_id: 'ex' })}leverage: 100\n`, reason: /unknown field: leverage/ },
  { title: 'NaN', name: 'nan.yaml', content: intentYaml({ intent_id: 'nan' }).replace(/entry: .*/, 'entry: .nan'), reason: /entry: must be a finite number, got NaN/ },
  { title: 'Infinity', name: 'inf.yaml', content: intentYaml({ intent_id: 'inf' }).replace(/target: .*/, 'target: .inf'), reason: /target: must be a finite number, got Infinity/ },
  { title: 'overflow to Infinity', name: 'overflow.yaml', content: intentYaml({ intent_id: 'of' }).replace(/stop: .*/, 'stop: 1e999'), reason: /stop: must be a finite number, got Infinity/ },
  { title: 'a huge file', name: 'huge.yaml', content: `${intentYaml({ intent_id: 'huge' })}# ${'x'.repeat(200_000)}\n`, reason: /file is \d+ bytes; an intent file may be at most 65536 bytes/ },
  { title: 'a YAML alias bomb', name: 'bomb.yaml', content: ALIAS_BOMB, reason: /aliases \(\*name\) are not allowed/ },
  { title: 'an empty file', name: 'empty.yaml', content: '', reason: /file is empty/ },
  { title: 'not UTF-8', name: 'binary.yaml', content: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]), reason: /not UTF-8/ },
  { title: 'an unknown pair', name: 'xau.yaml', content: intentYaml({ intent_id: 'xau', pair: 'XAUUSD' }), reason: /pair the string "XAUUSD" is not one of the six pairs/ },
  { title: 'an inactive pair', name: 'gbp.yaml', content: intentYaml({ intent_id: 'gbp', pair: 'GBPUSD', entry: 1.27, stop: 1.265, target: 1.28 }), reason: /pair GBPUSD is capable but not active \(ACTIVE_PAIRS=EURUSD\)/ },
  { title: 'a target on the wrong side of a long', name: 'tlong.yaml', content: intentYaml({ intent_id: 'tl', target: 1.08 }), reason: /target must be above entry for a long/ },
  { title: 'a stop on the wrong side (stop and target above: short with target above)', name: 'sshort.yaml', content: intentYaml({ intent_id: 'ss', stop: 1.088 }), reason: /target must be below entry for a short/ },
  { title: 'a stop equal to the entry', name: 'sequal.yaml', content: intentYaml({ intent_id: 'se', stop: 1.085 }), reason: /stop must differ from entry/ },
  { title: 'an implausible price', name: 'implausible.yaml', content: intentYaml({ intent_id: 'ip', entry: 150.2, stop: 149.9, target: 150.8 }), reason: /entry 150.2 is implausible for EURUSD \(expected 0.3 to 3\)/ },
  { title: 'a confidence above 1', name: 'conf.yaml', content: intentYaml({ intent_id: 'cf', confidence: 1.5 }), reason: /confidence: must be at most 1, got 1.5/ },
  { title: 'a negative price', name: 'neg.yaml', content: intentYaml({ intent_id: 'ng', stop: -1 }), reason: /stop: must be greater than 0, got -1/ },
  { title: 'a bad created_at', name: 'when.yaml', content: intentYaml({ intent_id: 'wh', created_at: 'yesterday' }), reason: /created_at/ },
  { title: 'a wrong extension', name: 'intent.json', content: '{}', reason: /does not end in .yaml or .yml/ },
  { title: 'a path-like name', name: 'x%2F..%2F..%2Fetc%2Fpasswd.yaml', content: intentYaml({ intent_id: 'pl1' }), reason: /is not a plain name/ },
  { title: 'a name with a backslash and spaces', name: 'sub\\..\\..\\evil name.yaml', content: intentYaml({ intent_id: 'pl2' }), reason: /is not a plain name/ },
  { title: 'a name with a newline', name: 'line\nbreak.yaml', content: intentYaml({ intent_id: 'pl3' }), reason: /is not a plain name/ },
  { title: 'an overlong name', name: `${'a'.repeat(200)}.yaml`, content: intentYaml({ intent_id: 'pl4' }), reason: /longer than 150 characters/ },
];

describe('S14: every bad intent file ends in rejected/ with its reason, and the seam keeps going', () => {
  let seam: Seam;
  let good = 0;
  beforeAll(async () => {
    seam = await startSeam();
  });
  afterAll(async () => {
    await seam.stop();
  });

  async function expectStillAccepting(): Promise<void> {
    good += 1;
    const name = `good-${good}.yaml`;
    await seam.drop(name, intentYaml({ intent_id: `good-${good}` }));
    expect((await waitForOutcome(seam, name)).bead.data.outcome).toBe('ACCEPTED');
  }

  it.each(CASES)('$title', async ({ name, content, reason }) => {
    await seam.drop(name, content);
    const outcome = await waitForOutcome(seam, name);
    const { bead } = outcome;
    expect(bead.data.outcome).toBe('REJECTED');
    if (bead.data.outcome !== 'REJECTED') return;
    expect(bead.data.reasons.join('\n')).toMatch(reason);
    expect(outcome.movedTo).toMatch(/^intents\/rejected\/[A-Za-z0-9][A-Za-z0-9_.-]*$/);
    const moved = join(seam.home, outcome.movedTo);
    expect(await readText(`${moved}.reason.txt`)).toMatch(reason);
    expect(await readText(responsePath(seam.home))).toContain('refused');
    expect(bead.stream).toMatch(bead.data.intent_id ? `intent-${bead.data.intent_id}` : /^intent-rejected-[0-9a-f]{16}$/);
    await expectStillAccepting();
  });

  it('a duplicate intent_id is refused, naming the earlier file', async () => {
    await seam.drop('dup-a.yaml', intentYaml({ intent_id: 'dup' }));
    expect((await waitForOutcome(seam, 'dup-a.yaml')).bead.data.outcome).toBe('ACCEPTED');
    await seam.drop('dup-b.yaml', intentYaml({ intent_id: 'dup', confidence: 0.5 }));
    const { bead } = await waitForOutcome(seam, 'dup-b.yaml');
    expect(bead).toMatchObject({ stream: 'intent-dup', correlation_id: 'dup', data: { outcome: 'REJECTED', intent_id: 'dup' } });
    expect(await readText(join(seam.rejected, 'dup-b.yaml.reason.txt'))).toMatch(/duplicate intent_id dup: already accepted from dup-a.yaml/);
    await expectStillAccepting();
  });

  it('a refused id may be sent again once fixed', async () => {
    await seam.drop('fix-1.yaml', intentYaml({ intent_id: 'fixme', target: 1.0 }));
    expect((await waitForOutcome(seam, 'fix-1.yaml')).bead.data.outcome).toBe('REJECTED');
    await seam.drop('fix-2.yaml', intentYaml({ intent_id: 'fixme' }));
    expect((await waitForOutcome(seam, 'fix-2.yaml')).bead.data.outcome).toBe('ACCEPTED');
  });

  it('a directory or a symlink in incoming/ is refused, never followed', async () => {
    const outside = join(dirname(seam.home), `outside-${Date.now()}.yaml`);
    await writeFile(outside, intentYaml({ intent_id: 'outside' }));
    await symlink(outside, join(seam.incoming, 'link.yaml'));
    expect((await waitForOutcome(seam, 'link.yaml')).bead.data).toMatchObject({ outcome: 'REJECTED', reasons: ['a symbolic link, not an intent file'] });
    expect(await readText(outside)).toContain('outside');
    await mkdir(join(seam.incoming, 'folder.yaml'));
    expect((await waitForOutcome(seam, 'folder.yaml')).bead.data).toMatchObject({ outcome: 'REJECTED', reasons: ['a directory, not an intent file'] });
    await expectStillAccepting();
  });

  it('a dotfile, even a path-like one, is a temp name: left alone, never read', async () => {
    await writeFile(join(seam.incoming, '..%2F..%2Fetc.yaml'), intentYaml({ intent_id: 'dot' }));
    await seam.watcher.scanNow();
    await seam.watcher.scanNow();
    expect(await readdir(seam.incoming)).toEqual(['..%2F..%2Fetc.yaml']);
    expect(seam.outcomes.some((o) => o.bead.data.source_file === '..%2F..%2Fetc.yaml')).toBe(false);
    await rm(join(seam.incoming, '..%2F..%2Fetc.yaml'));
  });

  it('rejected/ never overwrites an earlier refusal with the same name', async () => {
    const before = seam.outcomes.length;
    await seam.drop('again.yaml', 'not: [valid');
    await waitForOutcome(seam, 'again.yaml');
    await seam.drop('again.yaml', 'still: [not valid');
    await expect.poll(() => seam.outcomes.length, { timeout: 10_000 }).toBe(before + 2);
    const files = (await listFiles(seam.rejected)).filter((f) => f.startsWith('again'));
    expect(files).toEqual(['again-2.yaml', 'again-2.yaml.reason.txt', 'again.yaml', 'again.yaml.reason.txt']);
    expect(await readText(join(seam.rejected, 'again.yaml'))).toBe('not: [valid');
  });

  it('leaves one INTENT bead per bad file, nothing in incoming/, nothing outside the folders', async () => {
    const beads = await intentBeads(seam.log);
    for (const c of CASES) expect(beads.filter((b) => b.data.source_file === c.name)).toHaveLength(1);
    expect(await readdir(seam.incoming)).toEqual([]);
    expect((await readdir(seam.home)).sort()).toEqual(['intents', 'responses']);
  });
});
