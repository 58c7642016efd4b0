/** IB's message codes the inbound router reads (ibInbound.ts), with what each means to Phoenix. */

/** 202 confirms a cancel; it is not a rejection. */
export const CANCEL_CONFIRMED = 202;
/**
 * Codes about an order that do not mean it was refused: a cancel that came
 * too late (161, 10147, 10148: the order may well have filled) and IB's order
 * warnings (399). Everything else IB says against one of our order ids is.
 */
export const NOT_A_REJECTION = new Set([CANCEL_CONFIRMED, 161, 399, 10147, 10148]);
/** Informational codes that are part of a healthy session: farm status, and the like. */
export const QUIET_INFO = new Set([2104, 2106, 2107, 2108, 2119, 2158]);
export const PACING_VIOLATION = 100;
/** @stoqey/ib's own complaint about a message it could not decode (an underrun, fields left over): the message is lost. */
export const UNDECODABLE = 505;
