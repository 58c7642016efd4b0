/**
 * The shapes of the clock and id ports. Pure code receives these as data or
 * parameters; the implementations live with the actors and the store.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface IdSource {
  /** A fresh UUIDv7 string. */
  next(): string;
}
