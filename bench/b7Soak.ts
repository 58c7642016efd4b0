import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Measure } from './table.ts';

/**
 * B7 (S13) in the table: the soak itself runs for about 20 minutes
 * (`npm run soak`, test/soak/b7Soak.slow.test.ts), too long for every bench
 * run, so this reads the CSV the last soak wrote under reports/ and states
 * its ratios (desk hour 24 against hour 2) with when it ran.
 */
const CSV = fileURLToPath(new URL('../reports/B7_SOAK.csv', import.meta.url));

interface Row {
  hour: number;
  rssMb: number;
  checkMs: number;
}

function rows(text: string): Row[] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number))
    .map(([hour, rssMb, , , checkMs]) => ({ hour: hour!, rssMb: rssMb!, checkMs: checkMs! }));
}

export async function benchSoakReport(): Promise<Measure[]> {
  if (!existsSync(CSV)) return [{ id: 'B7', what: 'soak: no reports/B7_SOAK.csv yet (run npm run soak, about 20 min)', value: Number.NaN, unit: 'MB' }];
  const all = rows(readFileSync(CSV, 'utf8'));
  const from = all.find((r) => r.hour === 2) ?? all[0]!;
  const to = all.at(-1)!;
  const when = statSync(CSV).mtime.toISOString().slice(0, 16).replace('T', ' ');
  const of = `the soak of ${when} UTC (reports/B7_SOAK.csv, ${to.hour} desk hours)`;
  return [
    {
      id: 'B7',
      what: `soak: host RSS at desk hour ${to.hour}, ${of}`,
      value: to.rssMb,
      unit: 'MB',
      ratio: { value: to.rssMb / from.rssMb, baseline: `hour ${from.hour} (${from.rssMb.toFixed(0)} MB)`, atMost: 1.1 },
    },
    {
      id: 'B7',
      what: `soak: mean heartbeat check (start to stored) in desk hour ${to.hour}`,
      value: to.checkMs,
      unit: 'ms',
      ratio: { value: to.checkMs / from.checkMs, baseline: `hour ${from.hour} (${from.checkMs.toFixed(3)} ms)`, atMost: 1.2 },
    },
  ];
}
