import { runbookPath } from '../../actors/notify/alertTypes.ts';
import type { RunInfo } from './record.ts';
import type { VectorResult } from './runner.ts';

/**
 * BUNNY_REPORT_S33_P1.md: the summary table, then every vector with what
 * was injected, expected and observed, its verdict and duration. Failures
 * come first, each with the runbook and the beads to look at.
 */

export const REPORT_FILE = 'BUNNY_REPORT_S33_P1.md';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const word = (r: VectorResult) => (r.passed ? 'PASS' : r.interrupted ? 'INTERRUPTED' : 'FAIL');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function section(r: VectorResult, run: RunInfo): string[] {
  const v = r.vector;
  const j = r.judge;
  const verdict = word(r);
  const lines = [
    `### ${v.id} — ${v.title}: ${verdict}`,
    '',
    `- **Wave** ${v.wave}; **duration** ${secs(r.durationMs)}; **runbook** \`${runbookPath(v.runbook)}\``,
    `- **Inject:** ${v.inject}`,
    `- **Expect:** ${v.expect}`,
    '- **Observed:**',
    ...j.observed.split('\n').map((l) => `  - ${l}`),
  ];
  if (!r.passed) lines.push(`- **Why it failed:** ${j.summary}`);
  const counts = Object.entries(j.counts).map(([k, n]) => `${k} ${n}`);
  const timings = Object.entries(j.timings).map(([k, ms]) => `${k} ${ms} ms`);
  if (counts.length || timings.length) lines.push(`- **Counts and timings:** ${[...counts, ...timings].join('; ')}`);
  if (j.beads.length) lines.push(`- **Beads** (in the vector's scratch log): ${j.beads.map((b) => `\`${b}\``).join(', ')}`);
  if (r.keptHome) {
    lines.push(`- **Scratch home kept:** \`${r.keptHome}\` — look with \`PHOENIX_HOME=${r.keptHome} phoenix replay\``);
  }
  if (!r.passed) lines.push(`- **Look at:** the runbook above, the beads cited, and \`phoenix query scars\` (run ${run.id})`);
  lines.push('');
  return lines;
}

export function renderReport(run: RunInfo, results: readonly VectorResult[], o: { startedAt: number; finishedAt: number; selected: number; interrupted: boolean }): string {
  const failed = results.filter((r) => !r.passed);
  const seed = results.filter((r) => r.vector.id.startsWith('CV_S33_'));
  const head = [
    '# Bunny report — S33 phase 1',
    '',
    `Run \`${run.id}\` (${run.scope.toLowerCase()}), ${new Date(o.startedAt).toISOString()} → ${new Date(o.finishedAt).toISOString()} (${secs(o.finishedAt - o.startedAt)}).`,
    `Code ${run.codeVersion}; configuration hash ${run.configHash}${Object.keys(run.settings).length ? `; with ${Object.entries(run.settings).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}.`,
    '',
    `**${results.length - failed.length} of ${results.length} vectors PASS**${o.selected > results.length ? ` (${o.selected - results.length} not reached: interrupted)` : ''}; seed vectors ${seed.filter((r) => r.passed).length}/${seed.length}.`,
    run.scope === 'FULL' ? 'A full run: gate P1-8 is judged on it (`phoenix gates`).' : 'A partial run: it does not move gate P1-8; its FAILs are scars all the same (`phoenix query scars`).',
    '',
    'Every verdict is judged from evidence only: the scratch log’s beads, the gateway simulator’s `/state`, and the requests the Bot API stand-in received.',
    '',
    '| vector | wave | what | verdict | duration | observed / why |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.vector.id} | ${r.vector.wave} | ${cell(r.vector.title)} | ${r.passed ? 'PASS' : `**${word(r)}**`} | ${secs(r.durationMs)} | ${cell(r.judge.summary).slice(0, 240)} |`),
    '',
  ];
  const ordered = [...failed, ...results.filter((r) => r.passed)];
  return [...head, ...(failed.length ? ['## Failures', ''] : []), ...failed.flatMap((r) => section(r, run)), ...(failed.length < ordered.length ? ['## Passes', ''] : []), ...ordered.slice(failed.length).flatMap((r) => section(r, run))].join('\n');
}
