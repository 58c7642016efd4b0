import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { ENV_KEYS, SECRET_KEYS } from '../../runtime/config/schema.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { openEventLog } from '../../store/open.ts';
import { type RunInfo, codeVersion, recordVerdict } from '../bunny/record.ts';
import { REPORT_FILE, renderReport } from '../bunny/report.ts';
import { newRunId, runVectors, type VectorResult } from '../bunny/runner.ts';
import { componentOf, select, SWEEPS, VECTORS, vectorById, WAVES } from '../bunny/suite.ts';
import { COMPONENTS, type Component } from '../bunny/vector.ts';
import { type Command, type CommandIo, EXIT, parseCommandArgs, UsageError, writeLine } from '../command.ts';
import { paintFor } from '../terminal.ts';

const HELP = `Usage: phoenix bunny [--vector ID ...] [--wave N ...] [--sweep COMPONENT ...]
                     [--with KEY=VALUE ...] [--keep] [--json] [--list]
                     [--run-id ID] [--triggered-by BEAD]

The chaos suite of S10. Each vector runs on its own scratch desk under
PHOENIX_HOME/bunny/<run>/<vector>: the gateway simulator, the Bot API
stand-in (phoenix telegram-sim) and 'phoenix run' in paper mode against
them, each its own process that bunny starts, breaks and stops. Each vector
injects its fault for real and is judged only from evidence: the scratch
log's beads, the simulator's /state, the requests the Bot API received.

Every verdict is a BUNNY bead in this desk's log (PHOENIX_HOME), and the run
writes PHOENIX_HOME/reports/${REPORT_FILE} (failures first, each with its
runbook and beads). A FAIL keeps its scratch home for inspection.

With no selection it runs all ${VECTORS.length} vectors (the 15 seed vectors in waves, then
the further faults): a full run, the only kind gate P1-8 is judged on.

Options:
  --vector ID       run this vector (repeatable), e.g. --vector CV_S33_4
  --wave N          run wave N (repeatable): ${Object.entries(WAVES).map(([n, w]) => `${n} ${w}`).join('; ')}
  --sweep C         run component C's vectors (at most 5): ${COMPONENTS.join(', ')}
  --with KEY=VALUE  a setting for every scratch host, over the vector's own
                    (repeatable): a parameter change under validation
  --keep            keep every scratch home, not only the failures'
  --json            one JSON document at the end instead of the table
  --list            list the vectors and the sweep table, run nothing
  --run-id ID       the run's id (bunny-…), chosen by whoever started it: a
                    host names its revalidation sweep before it starts
  --triggered-by B  the PROMOTION bead that asked for this sweep; the run
                    then also ends when its stdin closes (the host that
                    started it is gone)

Exit codes: 0 every selected vector PASSED; 1 one or more FAILED (a vector
that could not run is a FAIL with its reason, never a skip); 2 usage.

Examples:
  phoenix bunny                          # the full run, about 8 minutes
  phoenix bunny --vector CV_S33_1        # one vector
  phoenix bunny --sweep broker --with HEARTBEAT_INTERVAL_S=20`;

function parseSelection(values: { vector?: string[]; wave?: string[]; sweep?: string[] }) {
  const vectors = (values.vector ?? []).map((id) => {
    const v = vectorById(id);
    if (!v) throw new UsageError(`unknown vector ${JSON.stringify(id)}; the vectors are ${VECTORS.map((x) => x.id).join(', ')}`);
    return v.id;
  });
  const waves = (values.wave ?? []).map((w) => {
    if (!/^\d+$/.test(w) || !WAVES[Number(w)]) throw new UsageError(`--wave must be one of ${Object.keys(WAVES).join(', ')} (got ${JSON.stringify(w)})`);
    return Number(w);
  });
  const sweeps = (values.sweep ?? []).map((c): Component => {
    const component = componentOf(c);
    if (!component) throw new UsageError(`unknown component ${JSON.stringify(c)}; the components are ${COMPONENTS.join(', ')}`);
    return component;
  });
  return select({ vectors, waves, sweeps });
}

function parseSettings(pairs: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(pair);
    if (!m) throw new UsageError(`--with takes KEY=VALUE, e.g. --with HEARTBEAT_INTERVAL_S=20 (got ${JSON.stringify(pair)})`);
    if (!(ENV_KEYS as string[]).includes(m[1]!)) throw new UsageError(`--with ${m[1]}: not a Phoenix setting (phoenix config check lists them)`);
    if (['PHOENIX_HOME', 'IBKR_MODE', 'IBKR_PORT', 'IBKR_PAPER_PORT', 'TELEGRAM_API_ROOT'].includes(m[1]!)) throw new UsageError(`--with ${m[1]}: bunny sets it for each scratch desk itself`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

function listing(): string[] {
  const rows = VECTORS.map((v) => `  ${v.id.padEnd(28)} wave ${v.wave}  ${v.title}`);
  const sweeps = Object.entries(SWEEPS).map(([c, ids]) => `  ${c.padEnd(8)} ${ids.join(', ')}`);
  return ['Vectors, in run order:', ...rows, '', 'Sweeps (--sweep COMPONENT):', ...sweeps];
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const clock = (ms: number) => `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;

function progress(io: CommandIo, total: number, startedAt: number, json: boolean) {
  const tty = io.stdout.isTTY === true && !json;
  const paint = paintFor(io.stdout, io.env);
  const out = json ? io.stderr : io.stdout;
  let timer: NodeJS.Timeout | undefined;
  return {
    start(i: number, id: string, wave: number, title: string) {
      if (!tty) return;
      clearInterval(timer);
      const draw = () => io.stdout.write(`\r\x1b[2Kbunny ${i + 1}/${total} · wave ${wave} · ${id} ${title} · ${clock(Date.now() - startedAt)}`);
      draw();
      timer = setInterval(draw, 1_000);
    },
    done(r: VectorResult) {
      clearInterval(timer);
      const verdict = r.passed ? paint.good('PASS') : r.interrupted ? paint.warn('INTERRUPTED') : paint.bad('FAIL');
      const line = `[${r.index + 1}/${total}] wave ${r.vector.wave} ${r.vector.id} ${verdict} ${secs(r.durationMs)} — ${r.judge.summary.split('\n')[0]!.slice(0, 200)}`;
      if (tty) io.stdout.write('\r\x1b[2K');
      if (tty ? !r.passed : true) writeLine(out, line);
    },
    end() {
      clearInterval(timer);
      if (tty) io.stdout.write('\r\x1b[2K');
    },
  };
}

export const bunnyCommand: Command = {
  name: 'bunny',
  summary: 'the S10 chaos suite: each vector injected for real, judged from evidence, BUNNY beads and a report',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        vector: { type: 'string', multiple: true },
        wave: { type: 'string', multiple: true },
        sweep: { type: 'string', multiple: true },
        with: { type: 'string', multiple: true },
        keep: { type: 'boolean' },
        json: { type: 'boolean' },
        list: { type: 'boolean' },
        'run-id': { type: 'string' },
        'triggered-by': { type: 'string' },
      },
      true,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected ${JSON.stringify(positionals.join(' '))}; name vectors with --vector ID`);
    if (values.list) {
      for (const line of listing()) writeLine(io.stdout, line);
      return EXIT.ok;
    }
    const selection = parseSelection(values);
    const settings = parseSettings(values.with);
    const config = loadConfig(io.env, io.cwd);
    // Secrets given with --with reach the scratch host only; the beads and the report name them, masked.
    const shown = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, (SECRET_KEYS as readonly string[]).includes(k) && v !== '' ? '(secret)' : v]));
    const runId = values['run-id'] ?? newRunId();
    if (!/^bunny-[A-Za-z0-9-]{1,120}$/.test(runId)) throw new UsageError(`--run-id must look like bunny-… (letters, digits, dashes; got ${JSON.stringify(runId)})`);
    const triggeredBy = values['triggered-by'];
    const run: RunInfo = { id: runId, scope: selection.scope, codeVersion: codeVersion(), configHash: config.configHash, settings: shown, ...(triggeredBy ? { triggeredBy } : {}) };
    const signal = triggeredBy ? stopWithParent(io) : { signal: io.signal, release: () => undefined };
    const log = await openEventLog(config);
    const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: config.PHOENIX_HOST_ID, mode: config.mode });
    const startedAt = Date.now();
    const show = progress(io, selection.vectors.length, startedAt, values.json === true);
    if (!values.json) writeLine(io.stdout, `phoenix bunny: run ${run.id}, ${selection.label} (${selection.vectors.length}), scratch desks under ${join(config.homeDir, 'bunny', run.id)}`);
    let results: VectorResult[];
    try {
      results = await runVectors(selection.vectors, run.id, {
        homeDir: config.homeDir,
        settings,
        keep: values.keep === true,
        signal: signal.signal,
        onStart: (i, v) => show.start(i, v.id, v.wave, v.title),
        onDone: async (r) => {
          // A vector cut short by the operator's Ctrl-C is no verdict on Phoenix: it is reported, not recorded as a scar.
          if (!r.interrupted) await recordVerdict(writer, run, r);
          show.done(r);
        },
      });
    } finally {
      show.end();
      signal.release();
      await log.close();
    }
    const finishedAt = Date.now();
    const dir = join(config.homeDir, 'reports');
    await mkdir(dir, { recursive: true });
    const path = join(dir, REPORT_FILE);
    await writeFile(path, renderReport(run, results, { startedAt, finishedAt, selected: selection.vectors.length, interrupted: signal.signal.aborted }));
    const failed = results.filter((r) => !r.passed && !r.interrupted);
    const cut = selection.vectors.length - results.length + results.filter((r) => r.interrupted).length;
    const allRan = cut === 0;
    if (values.json) {
      const vectors = results.map((r) => ({ id: r.vector.id, wave: r.vector.wave, result: r.passed ? 'PASS' : 'FAIL', duration_ms: r.durationMs, evidence: r.judge.summary, ...(r.keptHome ? { scratch_home: r.keptHome } : {}) }));
      writeLine(io.stdout, JSON.stringify({ run_id: run.id, scope: run.scope, passed: results.filter((r) => r.passed).length, failed: failed.length, not_run: cut, duration_ms: finishedAt - startedAt, report: path, vectors }));
    } else {
      const paint = paintFor(io.stdout, io.env);
      const verdict = failed.length === 0 && allRan ? paint.good('all PASS') : paint.bad(`${failed.length} FAIL${allRan ? '' : `, ${cut} not run (interrupted)`}`);
      writeLine(io.stdout, `phoenix bunny: ${results.filter((r) => r.passed).length}/${selection.vectors.length} PASS, ${verdict}, in ${clock(finishedAt - startedAt)}; ${failed.length ? `failed: ${failed.map((r) => r.vector.id).join(', ')}; ` : ''}BUNNY beads in the log (phoenix gates, phoenix query scars)`);
      writeLine(io.stdout, `report: ${path}`);
    }
    return failed.length === 0 && allRan ? EXIT.ok : EXIT.failure;
  },
};

/**
 * A sweep a host started (--triggered-by) stops with the operator's signal
 * or when its stdin closes: the host holds the other end and never writes,
 * so a host that dies without a word (SIGKILL) takes its sweep with it.
 */
function stopWithParent(io: CommandIo): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(io.signal.reason);
  if (io.signal.aborted) onAbort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  const gone = () => controller.abort('the host that started this sweep is gone');
  io.stdin.on('end', gone);
  io.stdin.on('close', gone);
  io.stdin.on('error', gone);
  io.stdin.resume();
  return {
    signal: controller.signal,
    release() {
      io.signal.removeEventListener('abort', onAbort);
      io.stdin.off('end', gone);
      io.stdin.off('close', gone);
      io.stdin.off('error', gone);
      // A flowing stdin keeps the process up: let it go once the run is done.
      io.stdin.pause();
      (io.stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    },
  };
}
