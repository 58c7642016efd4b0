import { MemoryEventLog } from '../../store/memory.ts';
import { eventLogConformance } from './conformance.ts';

eventLogConformance('memory', async () => {
  const log = new MemoryEventLog();
  return { log, cleanup: () => log.close() };
});
