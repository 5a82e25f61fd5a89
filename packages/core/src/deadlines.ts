/**
 * The deadlines of both session cores (STYLE.md §2: `handleTimeout(now)` fires
 * every deadline `<= now`, `pollTimeout()` returns the earliest), in one
 * binary min-heap with lazy deletion. Cancelling or moving a deadline never
 * searches the heap: the owner of the deadline records what it now expects,
 * and heap entries that no longer match are stale, dropped when they reach
 * the top. Every operation is O(log n) and allocates nothing but array growth.
 *
 * Two front ends share that heap:
 * - {@link DeadlineHeap} (the router): each item carries its one pending
 *   deadline in a `deadline` field ({@link HasDeadline}) and clears it to
 *   cancel;
 * - {@link Deadlines} (the client): deadlines keyed by a request ID or a name,
 *   set and deleted through the map it keeps.
 */

/**
 * A min-heap of `(time, item)` entries, where an entry counts only while
 * `isLive` says its item still expects that time. The two arrays are kept in
 * step (times apart from items, so that comparisons read numbers). The front
 * ends hold one rather than extend it, so that a bundle keeps only the front
 * end it uses.
 */
class LazyHeap<T> {
  times: number[] = [];
  items: T[] = [];

  /** `isLive(item, at)`: whether `item` still expects a call at `at` (false makes its entry stale). */
  constructor(private readonly isLive: (item: T, at: number) => boolean) {}

  push(at: number, item: T): void {
    const a = this.times;
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

  /** The earliest live time, stale entries above it dropped. */
  top(): number | undefined {
    const a = this.times;
    const v = this.items;
    while (a.length > 0 && !this.isLive(v[0]!, a[0]!)) this.removeTop();
    return a[0];
  }

  /** The live item at the top when its time is `<= now`, removed from the heap; else undefined. */
  popTop(now: number): T | undefined {
    const at = this.top();
    if (at === undefined || at > now) return undefined;
    const item = this.items[0]!;
    this.removeTop();
    return item;
  }

  clear(): void {
    this.times = [];
    this.items = [];
  }

  private removeTop(): void {
    const a = this.times;
    const v = this.items;
    const lastAt = a.pop()!;
    const lastItem = v.pop()!;
    const n = a.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
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

/** Something with at most one pending deadline. */
export interface HasDeadline {
  /** The deadline the owner currently expects, or undefined when none. */
  deadline: number | undefined;
}

/**
 * The router's deadlines (HELLO and authentication timeouts, call timeouts,
 * the wait for a GOODBYE reply): entries are never removed early, the owner
 * of a deadline clears or changes its own `deadline` field, and entries that
 * no longer match it are skipped.
 */
export class DeadlineHeap<T extends HasDeadline> {
  private readonly heap = new LazyHeap<T>((item, at) => item.deadline === at);

  /** Heap entries, stale ones included. */
  get size(): number {
    return this.heap.times.length;
  }

  /** Record that `item` expects a call at `at` (its `deadline` field must already say so). */
  push(at: number, item: T): void {
    this.heap.push(at, item);
  }

  /** The earliest deadline still expected by its owner. */
  peek(): number | undefined {
    return this.heap.top();
  }

  /** Remove and return an item whose deadline is `<= now`, or undefined when none is due. */
  popDue(now: number): T | undefined {
    const item = this.heap.popTop(now);
    // The owner fires once per deadline; clearing it also makes duplicates stale.
    if (item !== undefined) item.deadline = undefined;
    return item;
  }
}

/**
 * The client's deadlines, keyed (a request ID, `'join'`, `'goodbye'`...): one
 * per key, set again to move it, deleted to cancel it. The heap is rebuilt
 * when stale entries outnumber live ones, so that deadlines which restart
 * often (progressive results) do not grow it.
 */
export class Deadlines<K> {
  private readonly at = new Map<K, number>();
  private readonly heap = new LazyHeap<K>((key, at) => this.at.get(key) === at);

  /** Live deadlines. */
  get size(): number {
    return this.at.size;
  }

  /** Expect `key` at `time`, replacing its previous deadline. */
  set(key: K, time: number): void {
    this.at.set(key, time);
    this.heap.push(time, key);
    if (this.heap.times.length > 2 * this.at.size + 32) this.rebuild();
  }

  /** Cancel the deadline of `key`, if any. */
  delete(key: K): void {
    this.at.delete(key);
  }

  /** Cancel every deadline. */
  clear(): void {
    this.at.clear();
    this.heap.clear();
  }

  /** The earliest live deadline, or undefined when there is none. */
  earliest(): number | undefined {
    return this.heap.top();
  }

  /** Remove and return the key of the earliest deadline if it is `<= now`. */
  popExpired(now: number): K | undefined {
    const key = this.heap.popTop(now);
    if (key !== undefined) this.at.delete(key);
    return key;
  }

  private rebuild(): void {
    this.heap.clear();
    for (const [key, time] of this.at) this.heap.push(time, key);
  }
}
