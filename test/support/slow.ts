import { describe, it } from 'vitest';

/**
 * `npm run test:slow` (PHOENIX_SLOW=1) runs everything; `npm test` leaves out
 * the long process suites whose ground is covered there by a faster test
 * (each says which), so that it stays within its few minutes on two cores.
 */
export const SLOW = process.env.PHOENIX_SLOW === '1';
export const slowIt = it.runIf(SLOW);
export const slowDescribe = describe.runIf(SLOW);
