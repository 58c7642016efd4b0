import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertsOf, isUrgent } from '../../actors/notify/alertModel.ts';
import { ALERT_TYPE_NAMES } from '../../actors/notify/alertTypes.ts';
import { DispatchPolicy } from '../../actors/notify/dispatchPolicy.ts';
import { type Outcome, PolicySim, type RaiseStep } from './policySim.ts';

/**
 * Property tests over random alert streams. fast-check prints the seed and the
 * shrunk counterexample on failure; rerun with `{ seed, path }` to replay it.
 */

const step: fc.Arbitrary<RaiseStep> = fc.record({
  // Mostly bursts and short gaps (the storm case), sometimes a quiet spell.
  gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4_000 }), fc.integer({ min: 0, max: 120_000 })),
  type: fc.constantFrom(...ALERT_TYPE_NAMES),
  key: fc.integer({ min: 0, max: 4 }),
  resolved: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  long: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
});

const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Outcome>({ kind: 'ok' }) },
  { weight: 2, arbitrary: fc.constant<Outcome>({ kind: 'fail' }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map<Outcome>((s) => ({ kind: 'retryAfter', ms: s * 1000 })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }).map<Outcome>((part) => ({ kind: 'failAtPart', part })) },
);

const rules = fc.record({
  groupWaitMs: fc.constantFrom(0, 1_000, 10_000),
  repeatIntervalMs: fc.constantFrom(60_000, 4 * 3_600_000),
});

function simulate(steps: RaiseStep[], outcomes: Outcome[], r: { groupWaitMs: number; repeatIntervalMs: number }) {
  const sim = new PolicySim(new DispatchPolicy(r), outcomes);
  for (const s of steps) sim.raise(s);
  // Past every backoff, escalation and throttle window: the queue must drain.
  sim.runUntil(sim.now + 24 * 3_600_000);
  return sim;
}

describe('dispatch policy over random alert streams', () => {
  it('accounts for every raised alert in exactly one delivered message or summary', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.array(outcome, { maxLength: 30 }), rules, (steps, outcomes, r) => {
        const sim = simulate(steps, outcomes, r);
        const deliveredIn = new Map<string, number>();
        for (const d of sim.deliveries.filter((x) => x.complete)) {
          for (const a of alertsOf(d.notification)) deliveredIn.set(a.alertId, (deliveredIn.get(a.alertId) ?? 0) + 1);
        }
        for (const { alert, duplicateOf } of sim.accepted) {
          if (duplicateOf) {
            expect(deliveredIn.has(alert.alertId)).toBe(false);
            // A duplicate is accounted for by the alert it repeats, which was itself delivered.
            expect(sim.accepted.some((x) => x.alert.alertId === duplicateOf)).toBe(true);
          } else {
            expect(deliveredIn.get(alert.alertId)).toBe(1);
          }
        }
        expect(sim.policy.queued).toHaveLength(0);
      }),
    );
  });

  it('never delivers a part twice, even when a split message fails half-way', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.array(outcome, { maxLength: 30 }), rules, (steps, outcomes, r) => {
        const sim = simulate(steps, outcomes, r);
        const seenParts = new Set<string>();
        const notificationsOf = new Map<string, Set<number>>();
        for (const d of sim.deliveries) {
          for (const p of d.parts) {
            const id = `${d.notification.seq}/${p}`;
            expect(seenParts.has(id)).toBe(false);
            seenParts.add(id);
          }
          for (const a of alertsOf(d.notification)) {
            const seqs = notificationsOf.get(a.alertId) ?? new Set<number>();
            seqs.add(d.notification.seq);
            notificationsOf.set(a.alertId, seqs);
          }
        }
        // A retry resumes the same notification; it never re-plans text that already reached the chat.
        for (const seqs of notificationsOf.values()) expect(seqs.size).toBe(1);
      }),
    );
  });

  it('keeps non-critical messages 3 s apart and at most 20 in any rolling minute', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.array(outcome, { maxLength: 20 }), rules, (steps, outcomes, r) => {
        const sim = simulate(steps, outcomes, r);
        const sends = sim.deliveries.filter((d) => d.complete);
        sends.forEach((d, i) => {
          if (d.notification.kind === 'critical') return;
          const previous = sends[i - 1];
          if (previous) expect(d.at - previous.at).toBeGreaterThanOrEqual(3_000);
          const inWindow = sends.filter((x) => x.at > d.at - 60_000 && x.at <= d.at);
          expect(inWindow.length).toBeLessThanOrEqual(20);
        });
      }),
    );
  });

  it('never delays a CRITICAL behind the throttle or a group wait', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), rules, (steps, r) => {
        const sim = simulate(steps, [], r);
        const sentAt = new Map<string, number>();
        for (const d of sim.deliveries) for (const a of alertsOf(d.notification)) sentAt.set(a.alertId, d.at);
        for (const { alert, duplicateOf } of sim.accepted) {
          if (duplicateOf || !isUrgent(alert)) continue;
          expect(sentAt.get(alert.alertId)).toBe(alert.raisedAt);
        }
      }),
    );
  });

  it('keeps every message within 4096 characters and naming its runbook', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), rules, (steps, r) => {
        const sim = simulate(steps, [], r);
        for (const d of sim.deliveries) {
          for (const part of d.notification.parts) {
            expect(part.length).toBeLessThanOrEqual(4096);
            expect(part).toMatch(/Runbooks?: RB-\d{3}/);
          }
        }
      }),
    );
  });
});
