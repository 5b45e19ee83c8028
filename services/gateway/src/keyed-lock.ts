/**
 * Runs async work one at a time per key, in arrival order. The gateway checks a team's storage
 * limit and then stores under this lock, so two uploads of one team cannot both pass the check
 * with room for only one. (It holds within one gateway process, which is how the stack runs.)
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
