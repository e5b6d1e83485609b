/**
 * Runs `task` on every item with at most `concurrency` in flight (how a swarm
 * opens its viewers without a thundering herd); a failed item does not stop
 * the others. Resolves with the failures' messages, in the order they came.
 */
export async function runConcurrently<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<string[]> {
  const errors: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return errors;
}
