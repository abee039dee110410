// globalState as a Map (values copied, as VS Code serialises them) that "crashes" at its n-th
// write, as when the extension host dies: that write and every later one are lost.
import type { JournalStore } from '../../../src/core/operation';

export function crashingStore(crashAt = Infinity) {
  const map = new Map<string, unknown>();
  let writes = 0;
  let dead = false;
  const store: JournalStore = {
    get: (k) => (map.has(k) ? structuredClone(map.get(k)) : undefined),
    update: async (k, v) => {
      if (dead || ++writes === crashAt) {
        dead = true;
        throw new Error(`crashed at write ${crashAt}`);
      }
      if (v === undefined) map.delete(k);
      else map.set(k, structuredClone(v));
    },
    keys: () => [...map.keys()],
  };
  return { store, map, writes: () => writes, revive: () => ((dead = false), (writes = -Infinity)) };
}
