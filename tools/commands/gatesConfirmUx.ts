import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { type BeadOf, streams } from '../../beads/index.ts';
import { foldGates, type GateResult, gateResults, initialGates } from '../../projections/gates.ts';
import { type ApprovalFlow, flowStats, UX_FLOW_LIMIT_MS } from '../../projections/gatesUx.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { openEventLog } from '../../store/open.ts';
import { type CommandIo, EXIT, UsageError, writeError, writeLine } from '../command.ts';
import { paintFor } from '../terminal.ts';
import { cliWho } from './operator.ts';

/**
 * `phoenix gates confirm-ux` (P1-7): the operator's confirmation that the
 * approval flow works for them, recorded as a UX_CONFIRMATION bead, with the
 * paper approval flows the log has timed. It refuses when there is no timed
 * flow to confirm: nothing is self-declared. It writes
 * PHOENIX_HOME/reports/UX_VALIDATION_LOG.md with every flow and the note.
 */

export const UX_LOG_FILE = 'UX_VALIDATION_LOG.md';
const MAX_NOTE = 2000;

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function uxLog(flows: readonly ApprovalFlow[], bead: BeadOf<'UX_CONFIRMATION'>, gate: GateResult): string {
  const stats = flowStats(flows);
  const rows = flows.map((f, i) => `| ${i + 1} | \`${f.intentId}\` | ${f.seenAt} | ${f.at} | ${secs(f.ms)} | ${f.ms < UX_FLOW_LIMIT_MS ? 'yes' : '**no**'} |`);
  return [
    '# UX validation log (P1-7, INV-UX-APPROVAL-1)',
    '',
    `Confirmed by **${bead.data.who}** at ${bead.ts} (UX_CONFIRMATION bead \`${bead.bead_id}\`):`,
    '',
    ...bead.data.note.split('\n').map((l) => `> ${l}`),
    '',
    `**P1-7 UX_VALIDATED: ${gate.status}** — ${gate.detail}`,
    '',
    'Each paper approval flow, human time included: from the intent file seen (APPROVAL RECEIVED) to the entry order sent',
    '(APPROVAL CONSUMED). The limit is 30 s for every flow (S3.2). `phoenix replay --stream approval-<intent>` tells one flow.',
    '',
    `Flows: ${stats.count}; median ${secs(stats.medianMs ?? 0)}; slowest ${secs(stats.slowest?.ms ?? 0)}${stats.slowest ? ` (\`${stats.slowest.intentId}\`)` : ''}.`,
    '',
    '| # | intent | intent file seen | entry order sent | took | under 30 s |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

export async function confirmUx(values: { note?: string; as?: string; json?: boolean }, config: Config, io: CommandIo): Promise<number> {
  const note = values.note?.trim() ?? '';
  if (!note) throw new UsageError('--note "TEXT" is required: say what you checked (for example the phone approval, the evidence, the timing)');
  if (note.length > MAX_NOTE) throw new UsageError(`--note is ${note.length} characters; keep it under ${MAX_NOTE}`);
  const who = cliWho(values.as, config);
  const log = await openEventLog(config);
  try {
    const state = initialGates();
    for await (const entry of log.readAll()) if (entry.kind === 'bead') foldGates(state, entry.bead);
    const flows = [...state.ux.flows];
    const stats = flowStats(flows);
    if (stats.count === 0) {
      writeError(io, 'phoenix gates confirm-ux: no paper approval flow in the log to confirm: approve a paper trade first (intent file → phoenix approve or the phone → entry order sent); nothing recorded');
      return EXIT.failure;
    }
    const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: config.PHOENIX_HOST_ID, mode: config.mode });
    const data = { who, note, flows: stats.count, median_ms: stats.medianMs!, slowest_ms: stats.slowest!.ms };
    const { beads } = await writer.write({ bead_type: 'UX_CONFIRMATION', stream: streams.uxValidation, correlation_id: 'ux-validation', data });
    const bead = beads[0] as BeadOf<'UX_CONFIRMATION'>;
    foldGates(state, bead);
    const gate = gateResults(state).find((g) => g.id === 'P1-7')!;
    const dir = join(config.homeDir, 'reports');
    await mkdir(dir, { recursive: true });
    const path = join(dir, UX_LOG_FILE);
    await writeFile(path, uxLog(flows, bead, gate));
    if (values.json) {
      writeLine(io.stdout, JSON.stringify({ bead_id: bead.bead_id, who, gate, report: path }));
      return EXIT.ok;
    }
    const paint = paintFor(io.stdout, io.env);
    writeLine(io.stdout, `UX confirmation recorded by ${who}: bead ${bead.bead_id} on ${bead.stream}`);
    writeLine(io.stdout, `P1-7 UX_VALIDATED ${gate.status === 'MET' ? paint.good('MET') : paint.warn('NOT_MET')}: ${gate.detail}`);
    writeLine(io.stdout, `report: ${path}`);
    return EXIT.ok;
  } finally {
    await log.close();
  }
}
