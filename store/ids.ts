import { v7 } from 'uuid';
import type { IdSource } from '../beads/index.ts';

/** UUIDv7 ids: time-ordered, so they double as an append-order hint in every adapter. */
export const uuidV7Ids: IdSource = { next: () => v7() };
