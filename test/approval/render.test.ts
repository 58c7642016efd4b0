import { describe, expect, it } from 'vitest';
import { evidenceSections, renderEvidenceMarkdown, renderEvidenceText } from '../../actors/approval/render.ts';
import { evidence } from './fixtures.ts';

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('evidence rows: one wording for the terminal, Telegram, response.md and the dashboard', () => {
  it('titles the sections S3.2 lists, the intent first', () => {
    expect(evidenceSections(evidence()).map((s) => s.title)).toEqual(['Intent', 'Now', 'Risk', 'Account', 'Health', 'Paper validation']);
  });

  it('words the risk as a person reads it', () => {
    const risk = evidenceSections(evidence()).find((s) => s.title === 'Risk');
    expect(risk?.rows).toEqual([
      ['side and units', 'LONG 20000'],
      ['pips to stop', '30 pips from the entry; 30 from the current price'],
      ['pips to target', '60'],
      ['money at risk', '60.00 USD'],
      ['money to target', '120.00 USD'],
      ['reward : risk', '2.00'],
    ]);
  });

  it('the terminal text and response.md show exactly these rows', () => {
    const e = evidence();
    const text = renderEvidenceText(e);
    const md = renderEvidenceMarkdown(e);
    for (const { title, rows } of evidenceSections(e)) {
      for (const [label, value] of rows) expect(text).toMatch(new RegExp(`\\n {2}${literal(label)} +${literal(value)}\\n`));
      // response.md shows the intent through the intent seam's own table instead.
      if (title !== 'Intent') for (const [label, value] of rows) expect(md).toContain(`| ${label} | ${value} |`);
    }
  });
});
