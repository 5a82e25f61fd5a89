/**
 * The router's deadlines (HELLO and authentication timeouts, call timeouts,
 * the wait for a GOODBYE reply) in one binary min-heap. Entries are never
 * removed early: the owner of a deadline clears its own `deadline` field, and
 * {@link DeadlineHeap.popDue} skips entries whose owner no longer expects them
 * (lazy deletion keeps every operation O(log n) and allocation-free).
 */

/** Something with at most one pending deadline. */
export interface HasDeadline {
  /** The deadline the owner currently expects, or undefined when none. */
  deadline: number | undefined;
}

export class DeadlineHeap<T extends HasDeadline> {
  private readonly at: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.at.length;
  }

  /** Record that `item` expects a call at `at` (its `deadline` field must already say so). */
  push(at: number, item: T): void {
    const a = this.at;
    const v = this.items;
    let i = a.length;
    a.push(at);
    v.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= at) break;
      a[i] = a[parent]!;
      v[i] = v[parent]!;
      i = parent;
    }
    a[i] = at;
    v[i] = item;
  }

  /** The earliest deadline still expected by its owner. */
  peek(): number | undefined {
    this.dropStale();
    return this.at[0];
  }

  /** Remove and return an item whose deadline is `<= now`, or undefined when none is due. */
  popDue(now: number): T | undefined {
    this.dropStale();
    const top = this.at[0];
    if (top === undefined || top > now) return undefined;
    const item = this.items[0]!;
    this.removeTop();
    // The owner fires once per deadline; clearing it also makes duplicates stale.
    item.deadline = undefined;
    return item;
  }

  private dropStale(): void {
    while (this.at.length > 0 && this.items[0]!.deadline !== this.at[0]) this.removeTop();
  }

  private removeTop(): void {
    const a = this.at;
    const v = this.items;
    const lastAt = a.pop()!;
    const lastItem = v.pop()!;
    const n = a.length;
    if (n === 0) return;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && a[r]! < a[l]! ? r : l;
      if (a[c]! >= lastAt) break;
      a[i] = a[c]!;
      v[i] = v[c]!;
      i = c;
    }
    a[i] = lastAt;
    v[i] = lastItem;
  }
}
