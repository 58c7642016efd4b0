import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import {
  type EntryRequest,
  type ExitRequest,
  type OrderTicket,
  SUBMIT_CHAIN,
  type SubmitPorts,
  type SubmitRequest,
  submitGuarded,
} from '../../actors/broker/submitGuards.ts';
import { createApprovalTokens, recordedHumanDecision } from '../../actors/broker/tokens.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import type { Bead, BeadDraft } from '../../beads/index.ts';
import { killSwitchMachine } from '../../machines/killswitch.ts';
import { LogUnavailableError } from '../../store/errors.ts';
import { stampAt, T0 } from '../machines/support.ts';
import { ATTESTED, testBinding } from '../support/approvedOrder.ts';

const HASH = 'sha256:intent-1';
const SECRET = 'k'.repeat(40);
let ids = 0;

function mintToken(tokens: ReturnType<typeof createApprovalTokens>, expiresAt = T0 + 120_000, binding = BINDING): string {
  const bead = stampAt(
    {
      bead_type: 'APPROVAL',
      stream: 'approval-intent-1',
      correlation_id: 'intent-1',
      data: { intent_id: 'intent-1', event: 'DECISION', decision: 'APPROVE', decided_by: 'alice', channel: 'TERMINAL', content_hash: HASH, binding },
    },
    T0,
  );
  const decision = recordedHumanDecision(bead, ATTESTED);
  if (!decision.ok) throw new Error(decision.why);
  const minted = tokens.mint({ decision: decision.decision, contentHash: HASH, binding, expiresAt });
  if (!minted.ok) throw new Error(minted.why);
  return minted.token;
}

/** The approval's TOKEN_ISSUED bead, as the approval actor hands it to the chain to record with the write-ahead. */
function tokenIssued(): Bead {
  return stampAt(
    {
      bead_type: 'APPROVAL',
      stream: 'approval-intent-1',
      correlation_id: 'intent-1',
      data: { intent_id: 'intent-1', event: 'TOKEN_ISSUED', token_id: 'tok-x', expires_at: new Date(T0 + 120_000).toISOString(), content_hash: HASH },
    },
    T0,
  );
}

const ticket = (over: Partial<OrderTicket> = {}): OrderTicket => ({
  orderId: 101,
  orderRef: 'ph-101',
  pair: 'EURUSD',
  action: 'BUY',
  quantity: 20_000,
  orderType: 'LMT',
  limitPrice: 1.1,
  role: 'ENTRY',
  ...over,
});
/** Issue 17: the order the person approved; the bracket below is exactly it. */
const BINDING = testBinding('intent-1', { account: 'DU1234567', entry: 1.1, stop: 1.095, target: 1.11, order_refs: { entry: 'ph-101', target: 'ph-103', stop: 'ph-102' } });
const bracket = [
  ticket({ orderType: 'MKT', limitPrice: undefined }),
  ticket({ orderId: 102, orderRef: 'ph-102', action: 'SELL', orderType: 'STP', limitPrice: undefined, stopPrice: 1.095, role: 'STOP', parentId: 101 }),
  ticket({ orderId: 103, orderRef: 'ph-103', action: 'SELL', limitPrice: 1.11, role: 'TARGET', parentId: 101 }),
] as const;

/** A paper desk on the paper port, everything in order; tests break one thing at a time. */
function desk(env: Record<string, string> = {}) {
  const calls: string[] = [];
  const appended: BeadDraft[] = [];
  const riders: Bead[] = [];
  const consumed = new Set<string>();
  const tokens = createApprovalTokens({ secret: SECRET, ids: { next: () => `tok-${++ids}` }, consumed });
  const state = { flag: 'ARMED' as 'ARMED' | 'SET', session: { port: 4002, managedAccounts: ['DU1234567'] as readonly string[] } };
  const ports: SubmitPorts = {
    config: loadConfig({ IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU1234567', ...env }),
    session: () => state.session,
    killFlag: () => state.flag,
    tokens,
    pacer: { acquire: async () => ({ ok: true }) },
    clock: new ManualClock(T0 + 1_000),
    appendWriteAhead: async (drafts, alongside) => {
      const names = [...alongside.map((b) => b.bead_type), ...drafts.map((d) => (d.bead_type === 'ORDER' ? d.data.order_ref : '?'))];
      calls.push(`append:${names.join('+')}`);
      appended.push(...drafts);
      riders.push(...alongside);
    },
    send: (o) => {
      calls.push(`send:${o.orderRef}`);
    },
  };
  const entry = (over: Partial<EntryRequest> = {}): EntryRequest => ({
    kind: 'ENTRY',
    account: 'DU1234567',
    orders: bracket,
    approval: { token: mintToken(tokens), intentId: 'intent-1', contentHash: HASH, binding: BINDING },
    ...over,
  });
  const exit = (over: Partial<ExitRequest> = {}): ExitRequest => ({
    kind: 'EXIT',
    account: 'DU1234567',
    orders: [ticket({ orderId: 201, orderRef: 'ph-201', action: 'SELL', orderType: 'MKT', limitPrice: undefined, role: 'CLOSE' })],
    correlationId: 'pos-1',
    authority: { who: 'cli:alice', reason: 'manual close' },
    ...over,
  });
  return { ports, calls, appended, riders, consumed, state, tokens, entry, exit };
}

describe('submit guard chain', () => {
  it('writes every ORDER bead ahead in one append, then sends, and hands back the token id to record as CONSUMED', async () => {
    const d = desk();
    const result = await submitGuarded(d.entry(), d.ports);
    expect(result).toMatchObject({ outcome: 'SENT', orderRefs: ['ph-101', 'ph-102', 'ph-103'], tokenId: expect.any(String) });
    expect(d.calls).toEqual(['append:ph-101+ph-102+ph-103', 'send:ph-101', 'send:ph-102', 'send:ph-103']);
    expect(d.appended[0]).toMatchObject({ stream: 'order-ph-101', correlation_id: 'intent-1', data: { event: 'SUBMIT_REQUESTED', order_id: 101, order_ref: 'ph-101' } });
    for (const draft of d.appended) stampAt(draft, T0); // each draft is a valid bead
    expect(JSON.stringify(d.appended)).not.toContain(d.entry().approval.token);
  });

  it('records the TOKEN_ISSUED bead in the same append as the write-ahead, before it', async () => {
    const d = desk();
    const issued = tokenIssued();
    const result = await submitGuarded(d.entry({ recordWith: [issued] }), d.ports);
    expect(result.outcome).toBe('SENT');
    expect(d.calls).toEqual(['append:APPROVAL+ph-101+ph-102+ph-103', 'send:ph-101', 'send:ph-102', 'send:ph-103']);
    expect(d.riders).toEqual([issued]);
  });

  it('records the TOKEN_ISSUED bead on its own when a guard refuses before the write-ahead, and sends nothing', async () => {
    for (const refuse of ['KILL_FLAG', 'TOKEN'] as const) {
      const d = desk();
      if (refuse === 'KILL_FLAG') d.state.flag = 'SET';
      const issued = tokenIssued();
      const request = d.entry({ recordWith: [issued], ...(refuse === 'TOKEN' ? { approval: { token: 'forged.token', intentId: 'intent-1', contentHash: HASH, binding: BINDING } } : {}) });
      expect(await submitGuarded(request, d.ports)).toMatchObject({ outcome: 'REFUSED', step: refuse });
      expect(d.calls).toEqual(['append:APPROVAL']);
      expect(d.riders).toEqual([issued]);
    }
  });

  it('says so in the refusal when the TOKEN_ISSUED bead cannot be recorded either', async () => {
    const d = desk();
    d.state.flag = 'SET';
    d.ports.appendWriteAhead = async () => {
      throw new LogUnavailableError('SQLITE_IOERR: disk I/O error');
    };
    const result = await submitGuarded(d.entry({ recordWith: [tokenIssued()] }), d.ports);
    expect(result).toMatchObject({ outcome: 'REFUSED', step: 'KILL_FLAG', reason: expect.stringMatching(/APPROVAL could not be recorded: SQLITE_IOERR/) });
  });

  it('reports the first failing guard in chain order when a request fails several', async () => {
    const d = desk({ ACTIVE_PAIRS: 'EURUSD' });
    const failures: Record<string, () => void> = {
      ACCOUNT: () => {
        d.state.session = { ...d.state.session, managedAccounts: [] };
      },
      PORT: () => {
        d.state.session = { ...d.state.session, port: 4001 };
      },
      KILL_FLAG: () => {
        d.state.flag = 'SET';
      },
    };
    const request = d.entry({
      orders: [ticket({ pair: 'GBPUSD' })],
      approval: { token: 'forged.token', intentId: 'intent-1', contentHash: HASH, binding: BINDING },
    });
    // All of ACCOUNT, PORT, KILL_FLAG, ACTIVE_PAIR and TOKEN fail; each fix uncovers the next, in order.
    for (const step of Object.keys(failures)) failures[step]!();
    const reported: string[] = [];
    for (const fix of [
      () => {
        d.state.session = { ...d.state.session, managedAccounts: ['DU1234567'] };
      },
      () => {
        d.state.session = { ...d.state.session, port: 4002 };
      },
      () => {
        d.state.flag = 'ARMED';
      },
      () => {
        request.orders = [ticket()];
      },
    ]) {
      const result = await submitGuarded(request, d.ports);
      reported.push(result.outcome === 'REFUSED' ? result.step : result.outcome);
      fix();
    }
    const last = await submitGuarded(request, d.ports);
    reported.push(last.outcome === 'REFUSED' ? last.step : last.outcome);
    expect(reported).toEqual(['ACCOUNT', 'PORT', 'KILL_FLAG', 'ACTIVE_PAIR', 'TOKEN']);
    expect(reported).toEqual(SUBMIT_CHAIN.slice(0, 5));
    expect(d.calls).toEqual([]);
  });

  it('refuses entries while the kill flag is SET, but lets a close through', async () => {
    const d = desk();
    d.state.flag = 'SET';
    expect(await submitGuarded(d.entry(), d.ports)).toMatchObject({ outcome: 'REFUSED', step: 'KILL_FLAG' });
    expect(await submitGuarded(d.exit(), d.ports)).toMatchObject({ outcome: 'SENT' });
    const disguised = d.exit({ orders: [ticket({ orderRef: 'ph-301' })] });
    expect(await submitGuarded(disguised, d.ports)).toMatchObject({ outcome: 'REFUSED', step: 'KILL_FLAG' });
    d.state.flag = 'ARMED';
    expect(await submitGuarded(disguised, d.ports)).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN' });
  });

  it('refuses a pair outside ACTIVE_PAIRS and an unknown symbol, clearly', async () => {
    const d = desk();
    const inactive = await submitGuarded(d.entry({ orders: [ticket({ pair: 'USDJPY' })] }), d.ports);
    expect(inactive).toMatchObject({ outcome: 'REFUSED', step: 'ACTIVE_PAIR', reason: 'USDJPY is not in ACTIVE_PAIRS (EURUSD)' });
    const unknown = await submitGuarded(d.exit({ orders: [ticket({ pair: 'XAUUSD', role: 'CLOSE' })] }), d.ports);
    expect(unknown).toMatchObject({ outcome: 'REFUSED', step: 'ACTIVE_PAIR', reason: expect.stringContaining('unknown symbol XAUUSD') });
  });

  it('refuses an expired token quietly and a reused one as a violation', async () => {
    const d = desk();
    const expired = d.entry({ approval: { token: mintToken(d.tokens, T0 + 500), intentId: 'intent-1', contentHash: HASH, binding: BINDING } });
    const refused = await submitGuarded(expired, d.ports);
    expect(refused).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN' });
    expect(refused).not.toHaveProperty('alert');
    const once = d.entry();
    expect((await submitGuarded(once, d.ports)).outcome).toBe('SENT');
    expect(await submitGuarded(once, d.ports)).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN', alert: { alertType: 'GUARD_VIOLATION' } });
  });

  it('waits for pacing and sends nothing when the pacer gives up', async () => {
    const d = desk();
    d.ports.pacer = { acquire: async () => ({ ok: false, reason: 'queue full' }) };
    expect(await submitGuarded(d.entry(), d.ports)).toMatchObject({ outcome: 'REFUSED', step: 'PACING', tokenId: expect.any(String) });
    expect(d.calls).toEqual([]);
  });

  it('stops an entry when a halt lands while it waits for pacing', async () => {
    const d = desk();
    d.ports.pacer = {
      acquire: async () => {
        d.state.flag = 'SET';
        return { ok: true };
      },
    };
    expect(await submitGuarded(d.entry(), d.ports)).toMatchObject({ outcome: 'REFUSED', step: 'KILL_FLAG' });
    expect(d.calls).toEqual([]);
  });

  it('fails closed when the write-ahead cannot be appended: nothing sent, log alert, kill flag request', async () => {
    const d = desk();
    d.ports.appendWriteAhead = async () => {
      throw new LogUnavailableError('SQLITE_IOERR: disk I/O error');
    };
    const result = await submitGuarded(d.entry(), d.ports);
    expect(result).toMatchObject({ outcome: 'REFUSED', step: 'WRITE_AHEAD', alert: { alertType: 'LOG_UNAVAILABLE' }, killFlag: { type: 'LOG_UNAVAILABLE' } });
    expect(d.calls).toEqual([]);
  });

  it('reports which orders went out when a send fails midway', async () => {
    const d = desk();
    d.ports.send = (o) => {
      if (o.orderRef === 'ph-102') throw new Error('socket closed');
    };
    expect(await submitGuarded(d.entry(), d.ports)).toMatchObject({ outcome: 'SEND_FAILED', sent: ['ph-101'], unsent: ['ph-102', 'ph-103'] });
  });

  it('trades any account the mock manages, on any port', async () => {
    const d = desk({ IBKR_MODE: 'mock' });
    d.state.session = { port: 0, managedAccounts: ['DU1234567'] };
    expect((await submitGuarded(d.entry(), d.ports)).outcome).toBe('SENT');
  });
});

describe('INV-IBKR-ACCOUNT-CHECK-1: a mismatched account or port rejects the order before any byte is sent', () => {
  const mismatches: [string, (d: ReturnType<typeof desk>) => SubmitRequest, string][] = [
    ['another account', (d) => d.entry({ account: 'DU7777777' }), 'ACCOUNT'],
    ['a live account in paper', (d) => d.entry({ account: 'U1234567' }), 'ACCOUNT'],
    [
      'connected to the live port',
      (d) => {
        d.state.session = { ...d.state.session, port: 4001 };
        return d.entry();
      },
      'PORT',
    ],
    [
      'an account the gateway does not manage',
      (d) => {
        d.state.session = { port: 4002, managedAccounts: ['DU0000001'] };
        return d.entry();
      },
      'ACCOUNT',
    ],
  ];

  it.each(mismatches)('%s: refused with a CRITICAL GUARD_VIOLATION and a kill flag request; nothing written, nothing sent', async (_, make, step) => {
    const d = desk();
    const result = await submitGuarded(make(d), d.ports);
    expect(result).toMatchObject({ outcome: 'REFUSED', step, alert: { alertType: 'GUARD_VIOLATION' }, killFlag: { type: 'GUARD_VIOLATION' } });
    expect(d.calls).toEqual([]);
    expect(d.consumed.size).toBe(0);
    // The request, handed to the kill switch, sets the flag.
    const killFlag = result.outcome === 'REFUSED' ? result.killFlag : undefined;
    const [after] = transition(killSwitchMachine, initialTransition(killSwitchMachine)[0], killFlag!);
    expect(after.value).toBe('SET');
  });

  it('holds for any mix of account and port: sent only when both match', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('DU1234567', 'DU7654321', 'U1234567', 'X1'),
        fc.constantFrom(4001, 4002, 7497),
        fc.constantFrom('paper', 'live'),
        async (account, port, mode) => {
          const d = desk({ IBKR_MODE: mode, IBKR_ALLOW_LIVE: 'true', IBKR_ACCOUNT: mode === 'live' ? 'U1234567' : 'DU1234567' });
          d.state.session = { port, managedAccounts: ['DU1234567', 'U1234567'] };
          // The person approved this account's order: only the account and port guards stand between it and the wire.
          const binding = { ...BINDING, account };
          const result = await submitGuarded(d.entry({ account, approval: { token: mintToken(d.tokens, T0 + 120_000, binding), intentId: 'intent-1', contentHash: HASH, binding } }), d.ports);
          const matches = account === d.ports.config.IBKR_ACCOUNT && port === (mode === 'live' ? 4001 : 4002);
          expect(result.outcome === 'SENT').toBe(matches);
          if (!matches) expect(d.calls).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
