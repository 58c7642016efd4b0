import { appendAlertLabel } from '../../actors/promotion/alertLabels.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { openEventLog } from '../../store/open.ts';
import { type Command, EXIT, parseCommandArgs, UsageError, writeError, writeLine } from '../command.ts';
import { openLogToRead } from '../readLog.ts';
import { operatorOf } from './operator.ts';

const HELP = `Usage: phoenix alerts label <alert-id> useful|noise [--note TEXT] [--as NAME]
       phoenix alerts list [--hours N] [--json]

label records your word on one alert as an ALERT_LABEL bead: useful (it
pointed at something real) or noise (it should not have fired). Labels are
ground truth for the Phase-2 alert precision and recall (phoenix gates
--phase 2); a later label on the same alert replaces yours. The alert's
Telegram message has the same two buttons. An id may be shortened to a
unique prefix of 6 characters or more.

list shows the alerts raised, newest first, each with its id and label.

Options:
  --note TEXT   label: a few words kept with the label
  --as NAME     label: who labels (default: PHOENIX_OPERATOR, else your OS user name)
  --hours N     list: how far back (default 24)
  --json        list: one JSON document

Exit codes: 0 done; 1 no such alert, or more than one with that prefix;
2 usage.`;

const LABELS = { useful: 'USEFUL', noise: 'NOISE' } as const;

export const alertsCommand: Command = {
  name: 'alerts',
  summary: 'label an alert useful or noise (ground truth for alert precision); list alerts with their ids',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { note: { type: 'string' }, as: { type: 'string' }, hours: { type: 'string' }, json: { type: 'boolean' } }, true);
    const [sub, ...rest] = positionals;
    const config = loadConfig(io.env, io.cwd);
    if (sub === 'list') return list(config, values, rest, io);
    if (sub !== 'label') throw new UsageError(`name a subcommand: label or list (got ${JSON.stringify(sub ?? '')})`);
    const [alertId, word, ...extra] = rest;
    if (alertId === undefined || word === undefined) throw new UsageError('phoenix alerts label <alert-id> useful|noise');
    if (extra.length > 0) throw new UsageError(`unexpected ${JSON.stringify(extra.join(' '))}: put a note in --note "TEXT"`);
    const label = LABELS[word.toLowerCase() as keyof typeof LABELS];
    if (label === undefined) throw new UsageError(`a label is useful or noise (got ${JSON.stringify(word)})`);
    if (values.hours !== undefined || values.json) throw new UsageError('--hours and --json go with phoenix alerts list');
    const who = operatorOf(values.as, config).id;
    const note = values.note?.trim();
    await openLogToRead(config).then((l) => l.close()); // no log, no alert to label: said as one line
    const log = await openEventLog(config);
    try {
      const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: `${config.PHOENIX_HOST_ID}-cli`, mode: config.mode });
      const outcome = await appendAlertLabel(writer, { alertId, label, who: `cli:${who}`, channel: 'TERMINAL', ...(note ? { note } : {}) });
      if (!outcome.ok) {
        writeError(io, `phoenix alerts: not labelled: ${outcome.why}`);
        return EXIT.failure;
      }
      writeLine(io.stdout, `Alert ${outcome.alert.data.alert_id} (${outcome.alert.data.alert_type}, ${outcome.alert.ts}) labelled ${label} by ${who}: ALERT_LABEL ${outcome.bead.bead_id}.`);
      return EXIT.ok;
    } finally {
      await log.close();
    }
  },
};

async function list(config: ReturnType<typeof loadConfig>, values: { hours?: string; json?: boolean; note?: string; as?: string }, rest: string[], io: Parameters<Command['run']>[1]): Promise<number> {
  if (rest.length > 0) throw new UsageError(`unexpected ${JSON.stringify(rest.join(' '))}`);
  if (values.note !== undefined || values.as !== undefined) throw new UsageError('--note and --as go with phoenix alerts label');
  const hours = values.hours === undefined ? 24 : Number(values.hours);
  if (!(hours > 0) || !Number.isFinite(hours)) throw new UsageError(`--hours must be a positive number (got ${JSON.stringify(values.hours)})`);
  const from = systemClock.now() - hours * 3_600_000;
  const log = await openLogToRead(config);
  const rows = new Map<string, { id: string; at: string; type: string; severity: string; message: string; label?: string }>();
  try {
    for await (const e of log.readAll({ types: ['ALERT', 'ALERT_LABEL'] })) {
      if (e.kind !== 'bead') continue;
      const b = e.bead;
      if (b.bead_type === 'ALERT' && b.data.event === 'RAISED' && Date.parse(b.ts) >= from) rows.set(b.data.alert_id, { id: b.data.alert_id, at: b.ts, type: b.data.alert_type, severity: b.data.severity, message: b.data.message });
      if (b.bead_type === 'ALERT_LABEL') {
        const row = rows.get(b.data.alert_id);
        if (row) row.label = b.data.label;
      }
    }
  } finally {
    await log.close();
  }
  const alerts = [...rows.values()].reverse();
  if (values.json) {
    writeLine(io.stdout, JSON.stringify({ alerts }));
    return EXIT.ok;
  }
  writeLine(io.stdout, alerts.length === 0 ? `No alerts raised in the last ${hours} h` : `${alerts.length} alert${alerts.length === 1 ? '' : 's'} raised in the last ${hours} h (label one: phoenix alerts label ID useful|noise)`);
  for (const a of alerts) writeLine(io.stdout, `  ${a.id}  ${a.at.slice(0, 19).replace('T', ' ')}  ${a.severity.padEnd(8)} ${a.type.padEnd(22)} ${(a.label ?? 'unlabelled').padEnd(10)} ${a.message.replace(/\s+/g, ' ').slice(0, 80)}`);
  return EXIT.ok;
}
