/**
 * The "Lineage" main-area tab: the asset graph laid out in the browser with ELK (no `dot`
 * program), node cards (name, status, description, last materialization, kinds, partition
 * bar), groups as boxes, zoom / pan / fit, focus on a selection, a minimap on large graphs.
 * Status changes pushed by the kernel restyle the cards; only a change of the graph's shape
 * lays it out again.
 */
import { Widget } from '@lumino/widgets';
import { KernelBridge, LineageNode, LineageViewModel } from './bridge';
import { layoutInWorker, warmUp } from './elkpool';
import { ago, h, s } from './util';

const W = 232;
const H = 78;

export interface Laid {
  nodes: Map<string, { x: number; y: number }>;
  groups: { name: string; x: number; y: number; w: number; h: number }[];
  edges: { source: string; target: string; points: { x: number; y: number }[]; curve?: boolean }[];
  width: number; height: number;
  /** Where the layout time went (ms): the groups' layouts (in parallel) and the outer one. */
  timing?: { groups_ms: number; outer_ms: number; largest_group_ms: number };
}

type Pt = { x: number; y: number };

function elkOptions(n: number, cheap = false): Record<string, string> {
  const big = n > 300 || cheap;
  const opts: Record<string, string> = {
    'elk.algorithm': 'layered', 'elk.direction': 'RIGHT',
    'elk.spacing.nodeNode': '18', 'elk.layered.spacing.nodeNodeBetweenLayers': '56',
    'elk.spacing.edgeNode': '12', 'elk.layered.spacing.edgeNodeBetweenLayers': '16',
    'elk.edgeRouting': big ? 'POLYLINE' : 'SPLINES',
    'elk.layered.nodePlacement.strategy': big ? 'SIMPLE' : 'BRANDES_KOEPF',
    'elk.layered.thoroughness': big ? '1' : '7',
    // Node "micro layout" sizes nodes from their labels and places ports; our cards have a
    // fixed size and no ports or ELK labels, and it was a quarter of ELK's time (profiled).
    'elk.omitNodeMicroLayout': 'true',
  };
  if (big) {
    // Measured on 1,000-5,000 asset graphs: greedy switching and packing the many connected
    // components cost most of the time and change little on asset graphs.
    opts['elk.layered.crossingMinimization.greedySwitch.type'] = 'OFF';
    opts['elk.separateConnectedComponents'] = 'false';
  }
  return opts;
}

/** One flat ELK layered layout: positions by key, edges as point lists, the size. */
async function layoutFlat(
  keys: string[], edges: { source: string; target: string }[], w: number[] | null = null, hgt: number[] | null = null,
  cheap = false
): Promise<{ pos: Map<string, Pt>; edges: { source: string; target: string; points: Pt[] }[]; width: number; height: number }> {
  const ids = new Map<string, string>();
  keys.forEach((k, i) => ids.set(k, `n${i}`));
  const keyOf = new Map([...ids].map(([k, v]) => [v, k]));
  const out: any = await layoutInWorker({
    id: 'root', layoutOptions: elkOptions(keys.length, cheap),
    children: keys.map((k, i) => ({ id: ids.get(k)!, width: w ? w[i] : W, height: hgt ? hgt[i] : H })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [ids.get(e.source)!], targets: [ids.get(e.target)!] }))
  }, keys.length + edges.length);
  const pos = new Map<string, Pt>();
  for (const c of out.children ?? []) { pos.set(keyOf.get(c.id)!, { x: c.x ?? 0, y: c.y ?? 0 }); }
  const laidEdges: { source: string; target: string; points: Pt[] }[] = [];
  for (const e of out.edges ?? []) {
    const sec = e.sections?.[0];
    if (!sec) { continue; }
    const idx = Number(String(e.id).slice(1));
    laidEdges.push({ source: edges[idx].source, target: edges[idx].target,
      points: [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint] });
  }
  return { pos, edges: laidEdges, width: out.width ?? 0, height: out.height ?? 0 };
}

const PAD = 14;
const HEAD = 30;

/**
 * Lay out `nodes`/`edges` (keys) with ELK's layered algorithm, in Web Workers (elkpool.ts).
 * With several groups, each group is laid out on its own, in parallel on the workers, and the
 * groups (as boxes) are laid out as a graph of their own: small layouts cost far less than one
 * hierarchical one; edges between groups are drawn as curves from card to card.
 */
export async function layoutGraph(
  nodes: { key: string; group: string }[], edges: { source: string; target: string }[]
): Promise<Laid> {
  const groupOf = new Map(nodes.map(n => [n.key, n.group]));
  const kept = edges.filter(e => groupOf.has(e.source) && groupOf.has(e.target));
  const groups = new Map<string, string[]>();
  for (const n of nodes) {
    if (!groups.has(n.group)) { groups.set(n.group, []); }
    groups.get(n.group)!.push(n.key);
  }
  const laid: Laid = { nodes: new Map(), groups: [], edges: [], width: 0, height: 0 };
  if (groups.size <= 1) {
    const r = await layoutFlat(nodes.map(n => n.key), kept);
    laid.nodes = r.pos; laid.edges = r.edges; laid.width = r.width; laid.height = r.height;
    return laid;
  }
  const names = [...groups.keys()];
  const within = new Map<string, { source: string; target: string }[]>(names.map(g => [g, []]));
  for (const e of kept) {
    const g = groupOf.get(e.source)!;
    if (g === groupOf.get(e.target)) { within.get(g)!.push(e); }
  }
  // Largest first, so the workers' loads even out.
  const order = names.map((g, i) => i).sort((a, b) => groups.get(names[b])!.length - groups.get(names[a])!.length);
  const inner: Awaited<ReturnType<typeof layoutFlat>>[] = new Array(names.length);
  const t0 = performance.now();
  let largest = 0;
  await Promise.all(order.map(async i => {
    const t = performance.now();
    inner[i] = await layoutFlat(groups.get(names[i])!, within.get(names[i])!);
    largest = Math.max(largest, performance.now() - t);
  }));
  const t1 = performance.now();
  // Group -> group edges, weighted by how many asset edges they stand for. Many groups that
  // all feed each other make a dense, cyclic outer graph that ELK needs long for (~0.4 s for 20
  // groups); each group keeps its two heaviest inputs, which decide the boxes' columns anyway.
  const weight = new Map<string, Map<string, number>>();
  for (const e of kept) {
    const a = groupOf.get(e.source)!, b = groupOf.get(e.target)!;
    if (a === b) { continue; }
    if (!weight.has(b)) { weight.set(b, new Map()); }
    weight.get(b)!.set(a, (weight.get(b)!.get(a) ?? 0) + 1);
  }
  const between: { source: string; target: string }[] = [];
  for (const [b, ins] of weight) {
    const top = [...ins].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    for (const [a] of names.length > 8 ? top.slice(0, 2) : top) { between.push({ source: a, target: b }); }
  }
  // Only the boxes' positions are used (edges between groups are drawn card to card), so the
  // outer layout takes the cheap options: with splines and thoroughness 7 it took ~1 s for 20
  // groups of 250 assets (measured in Chromium).
  const outer = await layoutFlat(names, between, inner.map(r => r.width + 2 * PAD), inner.map(r => r.height + PAD + HEAD), true);
  laid.timing = { groups_ms: t1 - t0, outer_ms: performance.now() - t1, largest_group_ms: largest };
  names.forEach((g, i) => {
    const o = outer.pos.get(g)!;
    const r = inner[i];
    laid.groups.push({ name: g, x: o.x, y: o.y, w: r.width + 2 * PAD, h: r.height + PAD + HEAD });
    const ox = o.x + PAD, oy = o.y + HEAD;
    for (const [k, p] of r.pos) { laid.nodes.set(k, { x: p.x + ox, y: p.y + oy }); }
    for (const e of r.edges) { laid.edges.push({ ...e, points: e.points.map((p: Pt) => ({ x: p.x + ox, y: p.y + oy })) }); }
  });
  for (const e of kept) {
    if (groupOf.get(e.source) === groupOf.get(e.target)) { continue; }
    const a = laid.nodes.get(e.source)!, b = laid.nodes.get(e.target)!;
    const p0 = { x: a.x + W, y: a.y + H / 2 }, p3 = { x: b.x, y: b.y + H / 2 };
    const dx = Math.max(40, Math.abs(p3.x - p0.x) / 2);
    laid.edges.push({ source: e.source, target: e.target, curve: true,
      points: [p0, { x: p0.x + dx, y: p0.y }, { x: p3.x - dx, y: p3.y }, p3] });
  }
  laid.width = outer.width; laid.height = outer.height;
  return laid;
}

function edgePath(pts: { x: number; y: number }[], spline: boolean): string {
  if (!pts.length) { return ''; }
  if (spline && pts.length >= 4 && (pts.length - 1) % 3 === 0) {
    let d = `M${pts[0].x},${pts[0].y}`;
    for (let i = 1; i + 2 < pts.length; i += 3) {
      d += `C${pts[i].x},${pts[i].y} ${pts[i + 1].x},${pts[i + 1].y} ${pts[i + 2].x},${pts[i + 2].y}`;
    }
    return d;
  }
  return 'M' + pts.map(p => `${p.x},${p.y}`).join('L');
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function clip(text: string, n: number): string {
  return text.length > n ? text.slice(0, n - 1) + '…' : text;
}

export interface LineageHost { selectInPanel(bridge: KernelBridge, key: string): void }

export class LineageView extends Widget {
  constructor(private bridge: KernelBridge | null, private host: LineageHost | null, selection = '') {
    super();
    this.addClass('dnbx-lineage');
    this.id = `dnbx-lineage-${++LineageView._n}`;
    this.title.label = 'Lineage';
    this.title.closable = true;
    this._focus = h('input', { class: 'dnbx-focus jp-mod-styled', type: 'search', spellcheck: 'false',
      placeholder: 'Focus: +key:revenue+, group:sales, kind:pandas (Enter)' });
    this._focus.value = selection;
    this._focus.addEventListener('keydown', e => { if (e.key === 'Enter') { void this.focusOn(this._focus.value); } });
    const btn = (label: string, title: string, fn: () => void, cls = '') => {
      const b = h('button', { class: `dnbx-btn ${cls}`, title }, label); b.onclick = fn; return b;
    };
    this._info = h('span', { class: 'dnbx-muted dnbx-lineage-info' });
    this._error = h('div', { class: 'dnbx-search-error' });
    this._svg = s('svg', { class: 'dnbx-lineage-svg' });
    this._root = s('g');
    this._svg.append(this._root);
    this._minimap = h('canvas', { class: 'dnbx-minimap', width: '200', height: '130' });
    this._stage = h('div', { class: 'dnbx-lineage-stage' });
    this._stage.append(this._svg, this._minimap);
    this._legend = h('div', { class: 'dnbx-legend' });
    for (const st of ['fresh', 'stale', 'missing', 'running', 'failed', 'source']) {
      this._legend.append(h('span', { class: `dnbx-count dnbx-status-${st}` }, h('span', { class: 'dnbx-dot' }), st));
    }
    this.node.append(
      h('div', { class: 'dnbx-lineage-bar' }, this._focus,
        btn('Fit', 'Fit the graph to the window', () => this.fit(), 'dnbx-fit'),
        btn('+', 'Zoom in', () => this._zoomBy(1.25)), btn('−', 'Zoom out', () => this._zoomBy(0.8)),
        this._info, h('span', { class: 'dnbx-spacer' }), this._legend),
      this._error, this._stage
    );
    this._wire();
    warmUp();
    if (bridge) {
      this.title.label = `Lineage · ${bridge.name}`;
      bridge.changed.connect(this._onChanged, this);
      if (selection) { void this.focusOn(selection); } else { this._onChanged(); }
    }
  }

  get lastLayoutMs(): number { return this._layoutMs; }

  setBridge(bridge: KernelBridge): void {
    this.bridge?.changed.disconnect(this._onChanged, this);
    this.bridge = bridge;
    this.title.label = `Lineage · ${bridge.name}`;
    bridge.changed.connect(this._onChanged, this);
    this._onChanged();
  }

  /** Show only the assets a selection resolves to (evaluated in the kernel); '' shows all. */
  async focusOn(selection: string): Promise<void> {
    this._focus.value = selection;
    const text = selection.trim();
    if (!text) { this._keys = null; this._error.textContent = ''; this._onChanged(); return; }
    if (!this.bridge) { return; }
    try {
      const r = await this.bridge.request('select', { selection: text });
      this._keys = new Set(r.keys);
      this._error.textContent = r.keys.length ? '' : 'The selection matches no assets.';
    } catch (e) {
      this._error.textContent = (e as Error).message;
      return;
    }
    this._onChanged();
  }

  /** Draw `vm` (also used by the benchmark with a synthetic view model). */
  async render(vm: LineageViewModel | null): Promise<void> {
    const nodes = (vm?.nodes ?? []).filter(n => !this._keys || this._keys.has(n.key));
    const keep = new Set(nodes.map(n => n.key));
    const edges = (vm?.edges ?? []).filter(e => keep.has(e.source) && keep.has(e.target));
    const shape = nodes.map(n => `${n.key}\u0000${n.group}`).join('\u0001') + '|' + edges.map(e => `${e.source}>${e.target}`).join('\u0001');
    this._byKey = new Map(nodes.map(n => [n.key, n]));
    this._info.textContent = vm ? `${nodes.length} of ${vm.total_assets ?? vm.nodes.length} assets` : '';
    if (shape !== this._shape) {
      this._shape = shape;
      const seq = ++this._seq;
      if (nodes.length > 300) {
        // The layout runs in workers; the page stays responsive, and says what it is doing.
        this._info.textContent = `Laying out ${nodes.length} assets…`;
      }
      const t0 = performance.now();
      const laid = await layoutGraph(nodes, edges);
      if (seq !== this._seq) { return; }
      this._info.textContent = vm ? `${nodes.length} of ${vm.total_assets ?? vm.nodes.length} assets` : '';
      this._layoutMs = performance.now() - t0;
      this._laid = laid;
      this._draw(nodes, laid, edges.length > 0 && nodes.length <= 300);
      this.fit();
    } else {
      for (const n of nodes) { this._restyle(n); }
      this._drawMinimap();
    }
    this.node.dataset.nodes = String(nodes.length);
  }

  fit(): void {
    const laid = this._laid;
    const r = this._stage.getBoundingClientRect();
    if (!laid || !r.width || !laid.width) { return; }
    const k = Math.min(1.2, Math.min((r.width - 40) / laid.width, (r.height - 40) / laid.height));
    this._view = { k, x: (r.width - laid.width * k) / 2, y: Math.max(20, (r.height - laid.height * k) / 2) };
    this._apply();
  }

  protected onResize(): void { if (!this._fitted) { this._fitted = true; this.fit(); } this._drawMinimap(); }
  protected onAfterShow(): void { this._fitted = false; window.requestAnimationFrame(() => this.fit()); }

  dispose(): void {
    this.bridge?.changed.disconnect(this._onChanged, this);
    super.dispose();
  }

  private _onChanged(): void {
    if (!this.bridge) { return; }
    if (this.bridge.state !== 'loaded') {
      this._error.textContent = this.bridge.state === 'not-loaded'
        ? 'This notebook\'s kernel has not loaded dagster_nb: run %load_ext dagster_nb.' : '';
      return;
    }
    void this.render(this.bridge.lineage);
  }

  private _draw(nodes: LineageNode[], laid: Laid, spline: boolean): void {
    // Markup strings parsed once: 5,000 cards draw several times faster than element by element.
    const parts: string[] = [];
    parts.push(`<defs><marker id="${this.id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" `
      + `markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="dnbx-arrow"/></marker></defs>`);
    parts.push('<g class="dnbx-groups">');
    for (const g of laid.groups) {
      parts.push(`<g class="dnbx-group-box" data-group="${esc(g.name)}"><rect x="${g.x}" y="${g.y}" width="${g.w}" `
        + `height="${g.h}" rx="10"/><text x="${g.x + 14}" y="${g.y + 20}" class="dnbx-group-label">${esc(g.name)}</text></g>`);
    }
    parts.push('</g><g class="dnbx-edges">');
    for (const e of laid.edges) {
      parts.push(`<path d="${edgePath(e.points, spline || !!e.curve)}" class="dnbx-edge" marker-end="url(#${this.id}-arrow)" `
        + `data-source="${esc(e.source)}" data-target="${esc(e.target)}"/>`);
    }
    parts.push('</g><g class="dnbx-nodes">');
    this._grouped = laid.groups.length > 0;
    for (const n of nodes) {
      const p = laid.nodes.get(n.key);
      if (p) { parts.push(this._card(n, p.x, p.y)); }
    }
    parts.push('</g>');
    this._root.innerHTML = parts.join('');
    this._cards = new Map();
    for (const g of this._root.querySelectorAll<SVGGElement>('.dnbx-node')) {
      this._cards.set(g.dataset.assetKey!, g);
    }
    this._drawMinimap();
  }

  private _card(n: LineageNode, x: number, y: number): string {
    const tip = [n.key, n.description ?? '', ...n.stale_causes.map(c => `stale: ${c}`)].filter(Boolean).join('\n');
    // Inside a group box the group's name would only repeat the box's title (Dagster's cards
    // show no group either); a card outside one says which group it is in.
    const desc = clip(n.description ?? (n.prefix ? n.prefix + '/' : this._grouped ? '' : n.group), 38);
    const bar = n.partitions ? '<g class="dnbx-pbar"><rect x="14" y="62" width="110" height="5" rx="2" class="dnbx-pbar-bg"/>'
      + '<rect x="14" y="62" width="0" height="5" rx="2" class="dnbx-pbar-done"/>'
      + '<rect x="14" y="62" width="0" height="5" class="dnbx-pbar-failed"/></g>' : '';
    const [status, done, failed] = this._statusBits(n);
    return `<g class="dnbx-node dnbx-status-${n.status}${n.key === this._selected ? ' dnbx-selected' : ''}" `
      + `transform="translate(${x},${y})" data-asset-key="${esc(n.key)}" data-status="${n.status}">`
      + `<title>${esc(tip)}</title><rect class="dnbx-card" width="${W}" height="${H}" rx="8"/>`
      + `<rect class="dnbx-card-stripe" width="5" height="${H}" rx="2"/>`
      + `<text x="14" y="19" class="dnbx-card-name">${esc(clip(n.label, 28))}</text>`
      + `<text x="14" y="36" class="dnbx-card-desc">${esc(desc)}</text>`
      + `<text x="14" y="54" class="dnbx-card-status">${esc(status)}</text>`
      + `<circle cx="${W - 14}" cy="15" r="5" class="dnbx-card-dot"/>`
      + `<text x="${W - 10}" y="71" class="dnbx-card-kinds" text-anchor="end">${esc(clip(n.kinds.join(' · '), 24))}</text>`
      + bar.replace('width="0" height="5" rx="2" class="dnbx-pbar-done"', `width="${done}" height="5" rx="2" class="dnbx-pbar-done"`)
        .replace('x="14" y="62" width="0" height="5" class="dnbx-pbar-failed"', `x="${14 + done}" y="62" width="${failed}" height="5" class="dnbx-pbar-failed"`)
      + '</g>';
  }

  private _statusBits(n: LineageNode): [string, number, number] {
    let text = n.status === 'stale' && n.stale_causes.length ? `stale · ${n.stale_causes[0]}` : n.status;
    if (n.last_materialization) { text += ` · ${ago(n.last_materialization.timestamp)}`; }
    if (n.partitions) { text = `${n.partitions.materialized}/${n.partitions.total} · ` + text; }
    const t = Math.max(1, n.partitions?.total ?? 1);
    return [clip(text, 40), 110 * (n.partitions?.materialized ?? 0) / t, 110 * (n.partitions?.failed ?? 0) / t];
  }

  private _fill(g: SVGGElement, n: LineageNode): void {
    const [text, done, failed] = this._statusBits(n);
    g.querySelector('.dnbx-card-status')!.textContent = text;
    if (n.partitions) {
      g.querySelector('.dnbx-pbar-done')!.setAttribute('width', String(done));
      const f = g.querySelector('.dnbx-pbar-failed')!;
      f.setAttribute('x', String(14 + done));
      f.setAttribute('width', String(failed));
    }
  }

  private _restyle(n: LineageNode): void {
    const g = this._cards.get(n.key);
    if (!g) { return; }
    if (g.dataset.status !== n.status) {
      g.setAttribute('class', `dnbx-node dnbx-status-${n.status}${n.key === this._selected ? ' dnbx-selected' : ''}`);
      g.dataset.status = n.status;
    }
    this._fill(g, n);
  }

  private _select(key: string): void {
    const old = this._cards.get(this._selected);
    old?.classList.remove('dnbx-selected');
    this._selected = key;
    this._cards.get(key)?.classList.add('dnbx-selected');
    for (const e of this._root.querySelectorAll<SVGPathElement>('.dnbx-edge')) {
      e.classList.toggle('dnbx-edge-hot', e.dataset.source === key || e.dataset.target === key);
    }
    if (this.bridge && this.host) { this.host.selectInPanel(this.bridge, key); }
  }

  private _wire(): void {
    const cardOf = (e: Event) => (e.target as Element).closest?.('.dnbx-node') as SVGGElement | null;
    this._svg.addEventListener('click', e => {
      const g = cardOf(e);
      if (g && !this._moved) { this._select(g.dataset.assetKey!); }
    });
    this._svg.addEventListener('dblclick', e => {
      const g = cardOf(e);
      if (g) { void this.focusOn('+key:"' + g.dataset.assetKey!.replace(/"/g, '\\"') + '"+'); }
    });
    let drag: { x: number; y: number; vx: number; vy: number } | null = null;
    this._svg.addEventListener('pointerdown', e => {
      drag = { x: e.clientX, y: e.clientY, vx: this._view.x, vy: this._view.y };
      this._moved = false;
    });
    this._svg.addEventListener('pointermove', e => {
      if (!drag) { return; }
      if (!this._moved && Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) {
        this._moved = true;  // capture only for a drag: a click must reach its card
        this._svg.setPointerCapture(e.pointerId);
      }
      this._view.x = drag.vx + e.clientX - drag.x;
      this._view.y = drag.vy + e.clientY - drag.y;
      this._apply();
    });
    this._svg.addEventListener('pointerup', () => { drag = null; });
    this._svg.addEventListener('wheel', e => {
      e.preventDefault();
      const r = this._svg.getBoundingClientRect();
      this._zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    this._minimap.addEventListener('pointerdown', e => {
      const laid = this._laid;
      if (!laid) { return; }
      const r = this._minimap.getBoundingClientRect();
      const m = this._miniScale();
      const gx = (e.clientX - r.left - m.ox) / m.k, gy = (e.clientY - r.top - m.oy) / m.k;
      const sr = this._stage.getBoundingClientRect();
      this._view.x = sr.width / 2 - gx * this._view.k;
      this._view.y = sr.height / 2 - gy * this._view.k;
      this._apply();
    });
  }

  private _zoomBy(f: number, cx?: number, cy?: number): void {
    const r = this._stage.getBoundingClientRect();
    const px = cx ?? r.width / 2, py = cy ?? r.height / 2;
    const k = Math.min(4, Math.max(0.02, this._view.k * f));
    this._view.x = px - (px - this._view.x) * (k / this._view.k);
    this._view.y = py - (py - this._view.y) * (k / this._view.k);
    this._view.k = k;
    this._apply();
  }

  private _apply(): void {
    const v = this._view;
    this._root.setAttribute('transform', `translate(${v.x},${v.y}) scale(${v.k})`);
    // Far out, names are unreadable anyway: drop the text (5,000 cards stay smooth).
    this._svg.classList.toggle('dnbx-zoomed-out', v.k < 0.35);
    this._drawMinimap();
  }

  private _miniScale(): { k: number; ox: number; oy: number } {
    const laid = this._laid!;
    const k = Math.min(200 / Math.max(1, laid.width), 130 / Math.max(1, laid.height));
    return { k, ox: (200 - laid.width * k) / 2, oy: (130 - laid.height * k) / 2 };
  }

  private _drawMinimap(): void {
    const laid = this._laid;
    const show = !!laid && laid.nodes.size > 40;
    this._minimap.style.display = show ? '' : 'none';
    if (!show || !laid) { return; }
    const ctx = this._minimap.getContext('2d');
    if (!ctx) { return; }
    const css = getComputedStyle(this.node);
    const m = this._miniScale();
    ctx.clearRect(0, 0, 200, 130);
    ctx.fillStyle = css.getPropertyValue('--jp-layout-color2') || '#eee';
    ctx.fillRect(0, 0, 200, 130);
    const colors: Record<string, string> = {};
    for (const st of ['fresh', 'stale', 'missing', 'running', 'failed', 'source', 'external']) {
      colors[st] = css.getPropertyValue(`--dnbx-${st}`).trim() || '#888';
    }
    for (const [key, p] of laid.nodes) {
      ctx.fillStyle = colors[this._byKey.get(key)?.status ?? 'missing'];
      ctx.fillRect(m.ox + p.x * m.k, m.oy + p.y * m.k, Math.max(1, W * m.k), Math.max(1, H * m.k));
    }
    const r = this._stage.getBoundingClientRect();
    const v = this._view;
    ctx.strokeStyle = css.getPropertyValue('--jp-brand-color1') || '#1976d2';
    ctx.lineWidth = 1.5;
    ctx.strokeRect(m.ox + (-v.x / v.k) * m.k, m.oy + (-v.y / v.k) * m.k, (r.width / v.k) * m.k, (r.height / v.k) * m.k);
  }

  private static _n = 0;
  private _focus: HTMLInputElement;
  private _info: HTMLElement;
  private _error: HTMLElement;
  private _svg: SVGSVGElement;
  private _root: SVGGElement;
  private _stage: HTMLElement;
  private _legend: HTMLElement;
  private _minimap: HTMLCanvasElement;
  private _keys: Set<string> | null = null;
  private _shape = '';
  private _seq = 0;
  private _layoutMs = 0;
  private _fitted = false;
  private _laid: Laid | null = null;
  private _cards = new Map<string, SVGGElement>();
  private _byKey = new Map<string, LineageNode>();
  private _selected = '';
  private _moved = false;
  private _grouped = false;
  private _view = { k: 1, x: 0, y: 0 };
}
