// Allocation-free lookup of prom-client label children, with a cap that keeps label cardinality bounded.

/** Value used for every label of the shared overflow series once a metric reaches its series cap. */
export const OVERFLOW_LABEL = 'other';

type Node<C> = Map<string, Node<C> | C>;

/**
 * Caches the child of a labelled metric per label combination in nested maps, so a hot-path
 * `get('chat', 'POST', '2xx')` costs a few map lookups and no string building or hashing.
 * After `maxSeries` distinct combinations, further new combinations share one overflow child
 * whose labels are all `other` (a defence against unbounded values such as raw model names).
 */
export class LabelCache<C> {
  readonly #root: Node<C> = new Map();
  readonly #depth: number;
  readonly #make: (values: string[]) => C;
  readonly #maxSeries: number;
  #size = 0;
  #overflow: C | undefined;

  /**
   * @param depth number of labels (1 to 5)
   * @param make builds the child for a label combination (called once per combination)
   * @param maxSeries cap on distinct combinations before the overflow child is used
   */
  constructor(depth: number, make: (values: string[]) => C, maxSeries = 1000) {
    if (depth < 1 || depth > 5) throw new RangeError('LabelCache depth must be 1..5');
    this.#depth = depth;
    this.#make = make;
    this.#maxSeries = maxSeries;
  }

  /** Number of distinct label combinations created so far (excluding the overflow child). */
  get size(): number {
    return this.#size;
  }

  /** The child for these label values (pass exactly `depth` values, in label order). */
  get(a: string, b = '', c = '', d = '', e = ''): C {
    let node: Node<C> = this.#root;
    const depth = this.#depth;
    for (let i = 0; i < depth - 1; i++) {
      const key = i === 0 ? a : i === 1 ? b : i === 2 ? c : d;
      let next = node.get(key) as Node<C> | undefined;
      if (next === undefined) {
        if (this.#size >= this.#maxSeries) return this.#overflowChild();
        next = new Map();
        node.set(key, next);
      }
      node = next;
    }
    const leafKey = depth === 1 ? a : depth === 2 ? b : depth === 3 ? c : depth === 4 ? d : e;
    let child = node.get(leafKey) as C | undefined;
    if (child === undefined) {
      if (this.#size >= this.#maxSeries) return this.#overflowChild();
      child = this.#make([a, b, c, d, e].slice(0, depth));
      node.set(leafKey, child);
      this.#size++;
    }
    return child;
  }

  #overflowChild(): C {
    if (this.#overflow === undefined) {
      this.#overflow = this.#make(new Array<string>(this.#depth).fill(OVERFLOW_LABEL));
    }
    return this.#overflow;
  }
}
