import type { Bead } from '../../beads/index.ts';
import type { EventLog, LogEntry } from '../../store/port.ts';
import { summarizeBead } from '../../projections/timeline.ts';
import { type MachineReplayer, machineReplayers } from './machineReplayers.ts';

export interface ReplayOptions {
  stream?: string;
  /** Inclusive bounds on the bead timestamp, in epoch ms. */
  from?: number;
  to?: number;
  json?: boolean;
  replayers?: MachineReplayer[];
}

export interface ReplayOutput {
  line(text: string): void;
  progress?(done: number): void;
}

export interface ReplaySummary {
  beads: number;
  skipped: number;
  machines: { stream: string; machine: string; state: string }[];
}

function inRange(bead: Bead, options: ReplayOptions): boolean {
  if (options.from === undefined && options.to === undefined) return true;
  const t = Date.parse(bead.ts);
  return (options.from === undefined || t >= options.from) && (options.to === undefined || t <= options.to);
}

async function* entriesOf(log: EventLog, stream: string | undefined): AsyncIterable<LogEntry> {
  if (stream === undefined) {
    yield* log.readAll();
    return;
  }
  for (const e of await log.readStream(stream)) yield e;
}

/**
 * Prints an incident timeline: every bead in order with its key fields,
 * every unreadable record reported and skipped, then each machine's state.
 */
export async function replay(log: EventLog, options: ReplayOptions, out: ReplayOutput): Promise<ReplaySummary> {
  const replayers = options.replayers ?? machineReplayers;
  const byStream = new Map<string, Bead[]>();
  let beads = 0;
  let skipped = 0;
  let seen = 0;
  for await (const entry of entriesOf(log, options.stream)) {
    seen += 1;
    if (seen % 10_000 === 0) out.progress?.(seen);
    if (entry.kind === 'corrupt') {
      skipped += 1;
      out.line(
        options.json
          ? JSON.stringify({ kind: 'skipped', position: entry.position, stream: entry.stream, revision: entry.revision, reason: entry.reason })
          : `!! skipped record at position ${entry.position} (${entry.stream} rev ${entry.revision}): ${entry.reason}`,
      );
      continue;
    }
    const bead = entry.bead;
    if (!inRange(bead, options)) continue;
    beads += 1;
    if (replayers.some((r) => r.owns(entry.stream))) {
      const list = byStream.get(entry.stream) ?? [];
      list.push(bead);
      byStream.set(entry.stream, list);
    }
    const summary = summarizeBead(bead);
    out.line(
      options.json
        ? JSON.stringify({ kind: 'bead', position: entry.position, stream: entry.stream, revision: entry.revision, ts: bead.ts, bead_type: bead.bead_type, summary, bead })
        : `${bead.ts}  ${bead.bead_type.padEnd(14)} ${entry.stream.padEnd(28)} ${summary}`,
    );
  }
  const machines: ReplaySummary['machines'] = [];
  for (const [stream, list] of byStream) {
    for (const r of replayers.filter((x) => x.owns(stream))) {
      machines.push({ stream, machine: r.machine, state: r.stateAfter(list) });
    }
  }
  for (const m of machines) {
    out.line(options.json ? JSON.stringify({ kind: 'machine', ...m }) : `== ${m.machine} ${m.stream}: ${m.state}`);
  }
  const tail = `${beads} beads${skipped ? `, ${skipped} unreadable records skipped` : ''}`;
  out.line(options.json ? JSON.stringify({ kind: 'summary', beads, skipped }) : `-- ${tail}`);
  return { beads, skipped, machines };
}
