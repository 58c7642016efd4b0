/**
 * `work`'s result, or a failure once `ms` of real time have passed: for a call
 * that, broken, would hang until the test's own timeout with no word on why.
 * The bound is generous on purpose; how fast the call really is belongs in
 * bench/, not in a test.
 */
export async function settlesWithin<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
