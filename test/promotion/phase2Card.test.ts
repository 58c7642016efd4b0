import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streams } from '../../beads/index.ts';
import { standingFold } from '../../projections/deskStanding.ts';
import { HAVE_CHROMIUM, type HeadlessBrowser, launchChromium, NO_CHROMIUM_MESSAGE } from '../dashboard/browser.ts';
import { bead, beads, T0 } from '../dashboard/beads.ts';
import { startTestDashboard, type TestDashboard } from '../dashboard/support.ts';

/**
 * The dashboard's Phase 2 · promotion card (issue 14), in headless
 * Chromium: the five figures and the live gate the host's gates fold
 * computes, updated live when an operator's label lands.
 */

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

const WINDOW_MS = 3_600_000;

describe.skipIf(!HAVE_CHROMIUM)('the Phase 2 · promotion card', () => {
  let browser: HeadlessBrowser;
  let t: TestDashboard;

  beforeAll(async () => {
    const history = [beads.hostStarted({ t: 0, mode: 'PAPER' }), ...[0, 30, 60].map((s) => beads.heartbeat({ t: s + 2 })), beads.alert('alert-9', 'RAISED', { severity: 'CRITICAL', alert_type: 'HOST_DOWN', message: 'gone', runbook_id: 'RB-010' }, { t: 70 })];
    [browser, t] = await Promise.all([launchChromium(), startTestDashboard({ history, clockAt: T0 + 80_000, gates: standingFold({ windowMs: WINDOW_MS, gapMs: 35_000 }) })]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows each Phase-2 figure and the live gate, apart from the phase-1 gates, and follows a new label', async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(t.dashboard.url);
    const card = page.locator('#phase2');
    await card.locator('tr', { hasText: 'P2-5' }).waitFor({ timeout: 5_000 });
    for (const id of ['P2-1', 'P2-2', 'P2-3', 'P2-4', 'P2-5', 'LIVE']) expect(await card.textContent(), id).toContain(id);
    expect(await card.locator('tr', { hasText: 'LIVE_GATE' }).textContent()).toMatch(/NOT_MET.*promotion SHADOW/);
    expect(await page.locator('#gates').textContent()).not.toContain('P2-1');
    expect(await card.locator('tr', { hasText: 'ALERT_PRECISION' }).textContent()).toMatch(/no ground truth/);
    // An operator labels the alert useful: the card shows a precision of 100%, live.
    await t.append(bead('ALERT_LABEL', { alert_id: 'alert-9', alert_type: 'HOST_DOWN', label: 'USEFUL', who: 'cli:alice', channel: 'TERMINAL' }, { t: 75, stream: streams.alertLabels }));
    await card.locator('tr', { hasText: '100.0%: 1 true of 1 raised' }).waitFor({ timeout: 5_000 });
    expect(errors).toEqual([]);
  });
});
