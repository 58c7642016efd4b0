// TEST ONLY: a preload (NODE_OPTIONS=--import=<this file>) for `phoenix run`
// that removes the fail-closed guard the tests check, without touching the
// product: the log adapters still refuse writes, but their refusals are
// re-thrown as plain errors, so nothing can tell that the log is unavailable.
// test/chaos/logUnwritable.test.ts and esdbDown.test.ts show their first
// test then fails.
import { register } from 'tsx/esm/api';

register();
const { LogUnavailableError } = await import('../../../store/errors.ts');
const adapters = [(await import('../../../store/sqlite.ts')).SqliteEventLog];
if (process.env.EVENTSTORE_CONNECTION_STRING) adapters.push((await import('../../../store/eventstoredb.ts')).EventStoreDbEventLog);
for (const Adapter of adapters) {
  for (const method of ['append', 'appendMany']) {
    const original = Adapter.prototype[method];
    Adapter.prototype[method] = async function unguarded(...args) {
      try {
        return await original.apply(this, args);
      } catch (err) {
        throw err instanceof LogUnavailableError ? new Error(`(unrecognised) ${err.message}`) : err;
      }
    };
  }
}
