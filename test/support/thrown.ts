// What a call threw, for tests that check an SDK's error classes and fields.

/** Runs `call` and returns what it threw; fails when it does not throw. */
export async function thrown(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
