/**
 * A kill -9 fuzz over the whole paper round trip (S3.1 step 5, S3.3, S4.2,
 * S5.4), on real processes: the host (`phoenix run`, the real @stoqey/ib
 * client), the gateway simulator in its own process with a state file, and
 * the CLI a person would type. Random intents, approvals, manual closes and
 * market moves that hit stops and targets run while the host is killed with
 * SIGKILL at random moments, sometimes again while it is recovering. No test
 * hook pauses anything: the kills land wherever they land.
 *
 * At the end every open position is closed through `phoenix close`, a fresh
 * host reconciles, and the verdict is read from evidence only: the log's
 * beads and the simulator's recorded state.
 */
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Random, seededRandom } from '../../runtime/random.ts';
import type { BeadOf } from '../../beads/index.ts';
import { type PaperDesk, openPaperDesk } from './paperDesk.ts';

export interface FuzzOptions {
  seed: number;
  kills: number;
  /** Called with a line of progress, so a long run can be followed. */
  say?: (line: string) => void;
  /** A folder to copy the run's PHOENIX_HOME and the simulator's state into before they are removed. */
  keepIn?: string;
}

export interface FuzzVerdict {
  seed: number;
  kills: number;
  intents: number;
  /** Intents with more than one entry order at the broker. */
  doubleEntries: string[];
  /** Executions at the broker with no FILL bead. */
  lostFills: string[];
  /** FILL beads recorded more than once, or for no execution at the broker. */
  extraFills: string[];
  finalReconciliation: BeadOf<'RECONCILIATION'>['data'] | undefined;
  /** Positions whose last POSITION bead is not CLOSED, REJECTED or CANCELLED. */
  unfinishedPositions: string[];
  /** The broker's net EURUSD position at the end (0 once everything is closed). */
  brokerPosition: number;
  /** Orders still working at the broker at the end. */
  workingAtBroker: string[];
  /** Approvals a person approved that ended REJECTED. */
  approvedThenRejected: string[];
  /** How the run went, to see that it exercised what it claims: position ends and exits, approval ends. */
  story: Record<string, number>;
}

const ENV = {
  TIME_SCALE: '0.05',
  // Anchors and tokens outlive a few restarts in a row: a decision is meant to wait for the broker here.
  STALE_GATE_MINUTES: '200',
  APPROVAL_TOKEN_TTL_S: '2400',
  RECONCILE_INTERVAL_S: '60',
};
const ENDED = new Set(['CLOSED', 'REJECTED', 'CANCELLED']);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(rng: Random, xs: readonly T[]): T | undefined => xs[Math.floor(rng.next() * xs.length)];

async function lastStates(d: PaperDesk): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (const b of await d.ofType('POSITION')) states.set(b.data.position_id, b.data.state);
  return states;
}

async function awaitingDecision(d: PaperDesk): Promise<string[]> {
  const last = new Map<string, string>();
  for (const b of await d.ofType('APPROVAL')) last.set(b.data.intent_id, b.data.event);
  return [...last].filter(([, event]) => event === 'EVIDENCE_SHOWN').map(([id]) => id);
}

/** Every intent whose evidence is on show gets its person's APPROVE, each as its own `phoenix approve` process. */
function approveAwaiting(d: PaperDesk): Promise<unknown> {
  return awaitingDecision(d).then((ids) => Promise.all(ids.map((id) => d.cli(['approve', id, '--yes', '--as', 'alice']))));
}

/** One person's act, run as its own process; the fuzz does not wait for it before killing the host. */
function act(rng: Random, d: PaperDesk, next: () => string): Promise<unknown> {
  const roll = rng.next();
  if (roll < 0.5) return d.readyIntent(next());
  if (roll < 0.75)
    return lastStates(d).then((states) => {
      const managed = [...states].filter(([, s]) => s === 'MANAGED').map(([id]) => id);
      const id = pick(rng, managed);
      return id === undefined ? undefined : d.cli(['close', id, '--as', 'alice', '--reason', 'fuzz']);
    });
  // The market hits every target, or every stop, then comes back.
  const price = rng.next() < 0.5 ? 1.0915 : 1.0815;
  return d.sim
    .control('set-price', { pair: 'EURUSD', price })
    .then(() => sleep(200 + rng.next() * 400))
    .then(() => d.sim.control('set-price', { pair: 'EURUSD', price: 1.085 }));
}

async function killHost(d: PaperDesk): Promise<void> {
  await d.stopHost('SIGKILL');
}

const APPROVAL_ENDS = new Set(['CONSUMED', 'REJECTED', 'EXPIRED', 'STATE_CONFLICT']);

/** What is still under way: READY intents not yet decided and sent, and positions not yet ended. */
async function underWay(d: PaperDesk): Promise<{ open: [string, string][]; pending: string[] }> {
  const approvals = new Map<string, string>();
  for (const b of await d.ofType('APPROVAL')) approvals.set(b.data.intent_id, b.data.event);
  const positions = await lastStates(d);
  const pending: string[] = [];
  for (const b of await d.ofType('INTENT')) {
    if (b.data.outcome !== 'ACCEPTED' || b.data.intent.signal !== 'READY') continue;
    const id = b.data.intent.intent_id;
    const approval = approvals.get(id);
    if (approval === undefined || !APPROVAL_ENDS.has(approval)) pending.push(`${id} approval ${approval ?? 'not started'}`);
    else if (approval === 'CONSUMED' && !positions.has(id)) pending.push(`${id} position not started`);
  }
  if ((await readdir(join(d.home, 'intents', 'incoming')).catch(() => [])).length > 0) pending.push('intent files not yet read');
  return { open: [...positions].filter(([, s]) => !ENDED.has(s)), pending };
}

/** Every story to an end: undecided intents rejected by a person, open positions closed through the CLI. */
async function windDown(d: PaperDesk, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 120_000;
  const asked = new Map<string, number>();
  for (;;) {
    for (const id of await awaitingDecision(d)) await d.cli(['reject', id, '--reason', 'fuzz: end of the run', '--as', 'alice']);
    const { open, pending } = await underWay(d);
    if (open.length === 0 && pending.length === 0) return;
    if (Date.now() > deadline) {
      say(`still under way at the deadline: ${[...open.map(([id, s]) => `${id} ${s}`), ...pending].join(', ')}`);
      return;
    }
    for (const [id, state] of open) {
      if (state === 'CLOSING' || (asked.get(id) ?? 0) > Date.now() - 5_000) continue;
      asked.set(id, Date.now());
      await d.cli(['close', id, '--as', 'alice', '--reason', 'fuzz: end of the run']);
    }
    await sleep(500);
  }
}

async function verdictOf(d: PaperDesk, o: FuzzOptions, kills: number, intents: number, since: number): Promise<FuzzVerdict> {
  const sim = await d.sim.state();
  const entries = new Map<string, number>();
  for (const order of sim.orders) if (order.orderRef.endsWith('-entry')) entries.set(order.orderRef, (entries.get(order.orderRef) ?? 0) + 1);
  const fills = (await d.ofType('FILL')).map((f) => f.data.exec_id);
  const atBroker = new Set(sim.executions.map((e) => e.execId));
  const seen = new Set<string>();
  const extraFills = fills.filter((id) => {
    const repeat = seen.has(id) || !atBroker.has(id);
    seen.add(id);
    return repeat;
  });
  const recon = (await d.ofType('RECONCILIATION')).filter((b) => Date.parse(b.ts) > since).at(0);
  const approvals = new Map<string, { approved: boolean; last: string }>();
  for (const b of await d.ofType('APPROVAL')) {
    const a = approvals.get(b.data.intent_id) ?? { approved: false, last: '' };
    if (b.data.event === 'DECISION' && b.data.decision === 'APPROVE') a.approved = true;
    a.last = b.data.event;
    approvals.set(b.data.intent_id, a);
  }
  const story: Record<string, number> = {};
  const count = (key: string) => {
    story[key] = (story[key] ?? 0) + 1;
  };
  for (const state of (await lastStates(d)).values()) count(`position ${state}`);
  for (const a of await d.ofType('AUTOPSY')) count(`exit ${a.data.exit_reason}`);
  for (const a of approvals.values()) count(`approval ${a.last}`);
  for (const b of await d.ofType('POSITION')) if (b.data.reason?.startsWith('RESUMED')) count('positions resumed');
  for (const b of await d.ofType('ORDER')) if (b.data.event === 'RECOVERED') count('orders recovered by lookup');
  return {
    seed: o.seed,
    kills,
    intents,
    story,
    doubleEntries: [...entries].filter(([, n]) => n > 1).map(([ref]) => ref),
    lostFills: [...atBroker].filter((id) => !fills.includes(id)),
    extraFills,
    finalReconciliation: recon?.data,
    unfinishedPositions: [...(await lastStates(d))].filter(([, s]) => !ENDED.has(s)).map(([id, s]) => `${id} ${s}`),
    brokerPosition: sim.positions.filter((p) => p.pair.replace('.', '') === 'EURUSD').reduce((sum, p) => sum + p.position, 0),
    workingAtBroker: sim.orders.filter((x) => ['Submitted', 'PreSubmitted'].includes(x.status)).map((x) => x.orderRef),
    approvedThenRejected: [...approvals].filter(([, a]) => a.approved && a.last === 'REJECTED').map(([id]) => id),
  };
}

export async function runCrashFuzz(o: FuzzOptions): Promise<FuzzVerdict> {
  const say = o.say ?? (() => undefined);
  const rng = seededRandom(o.seed);
  const d = await openPaperDesk({ env: ENV });
  try {
    await d.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    await d.startHost();
    let kills = 0;
    let intents = 0;
    const next = () => `fz${o.seed % 10_000}-${++intents}`;
    while (kills < o.kills) {
      const acts = [approveAwaiting(d), ...Array.from({ length: 1 + Math.floor(rng.next() * 3) }, () => act(rng, d, next))].map((p) => p.catch(() => undefined));
      await sleep(rng.next() * 1_500);
      await killHost(d);
      kills += 1;
      await Promise.all(acts);
      await d.startHost();
      if (kills < o.kills && rng.next() < 0.3) {
        // A second kill while the host is still finding out what happened.
        await sleep(rng.next() * 2_500);
        await killHost(d);
        kills += 1;
        await d.startHost();
      }
      say(`kill ${kills}/${o.kills}, ${intents} intents so far`);
    }
    await windDown(d, say);
    await d.stopHost('SIGTERM');
    const since = Date.now();
    await d.startHost();
    await d.waitForBead('RECONCILIATION', (b) => Date.parse(b.ts) > since, 'the final reconciliation', 60_000).catch(() => undefined);
    return await verdictOf(d, o, kills, intents, since);
  } finally {
    if (o.keepIn) {
      await cp(d.home, join(o.keepIn, 'home'), { recursive: true }).catch(() => undefined);
      if (d.sim.stateFile) await cp(d.sim.stateFile, join(o.keepIn, 'sim-state.json')).catch(() => undefined);
      say(`kept the run in ${o.keepIn}`);
    }
    await d.close();
  }
}
