/**
 * ELK in Web Workers: layouts never run on the UI thread, and a graph's groups are laid out in
 * parallel, one worker per core (at most four). The worker script is elkjs's own
 * `elk-worker.min.js`, bundled as text (see rspack.config.js) and started from a Blob URL, so
 * the extension needs no extra static file or public-path setup.
 */
import ELK from 'elkjs/lib/elk-api.js';
import type { ELK as ElkApi, ElkNode } from 'elkjs/lib/elk-api.js';
import workerSource from 'elkjs/lib/elk-worker.min.js';

let blobUrl = '';
let pool: ElkApi[] = [];
let busy: number[] = [];

function size(): number {
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2;
  return Math.max(1, Math.min(4, cores));
}

/** Start the workers (idempotent); each lays out a tiny graph so the first real layout finds
 * ELK loaded and compiled. Called a second after a kernel with dagster_nb is found (warmUpSoon)
 * and, at the latest, when a Lineage tab opens, before its view model arrives. */
export function warmUp(): void {
  if (pool.length) { return; }
  blobUrl = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  for (let i = 0; i < size(); i++) {
    const elk = new ELK({ workerUrl: blobUrl, algorithms: ['layered'] });
    pool.push(elk);
    busy.push(0);
    void elk.layout({ id: 'warm', layoutOptions: { 'elk.algorithm': 'layered' },
      children: [{ id: 'a', width: 10, height: 10 }, { id: 'b', width: 10, height: 10 }],
      edges: [{ id: 'e', sources: ['a'], targets: ['b'] }] }).catch(() => undefined);
  }
}

let warmTimer: ReturnType<typeof setTimeout> | null = null;

/** `warmUp` once the page is idle (a kernel with dagster_nb was found): by the time a user opens
 * a Lineage tab, the workers have ELK loaded and compiled. */
export function warmUpSoon(): void {
  if (pool.length || warmTimer !== null) { return; }
  warmTimer = setTimeout(() => { warmTimer = null; warmUp(); }, 1000);
}

/** Lay out one graph on the least loaded worker; `cost` (e.g. its node count) balances them. */
export async function layoutInWorker(graph: ElkNode, cost: number): Promise<ElkNode> {
  warmUp();
  let i = 0;
  for (let j = 1; j < pool.length; j++) { if (busy[j] < busy[i]) { i = j; } }
  busy[i] += cost;
  try {
    return await pool[i].layout(graph);
  } finally {
    busy[i] -= cost;
  }
}

/** Stop the workers (the extension never needs to; tests and the benchmark's cold runs do). */
export function stopWorkers(): void {
  for (const elk of pool) { elk.terminateWorker(); }
  pool = [];
  busy = [];
  if (blobUrl) { URL.revokeObjectURL(blobUrl); blobUrl = ''; }
}
