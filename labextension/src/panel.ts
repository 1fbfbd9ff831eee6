/**
 * The left-sidebar "Assets" panel: every asset of the notebook in focus, with its status,
 * search by Dagster's selection syntax (evaluated in the kernel), grouping, details and
 * materialize buttons. Rows are virtualized (10,000 assets scroll smoothly).
 *
 * Stable hooks for tests and users' styling: the panel's DOM id is `dagster-nb-catalog`, each
 * row carries `data-asset-key` and `data-status`.
 */
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import { KernelBridge, LineageNode } from './bridge';
import { launchDialog } from './launch';
import { ago, checksText, dur, h, keySelection, when } from './util';

export const assetsIcon = new LabIcon({
  name: 'dagster-nb:assets',
  svgstr: '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">'
    + '<g class="jp-icon3" fill="#616161"><circle cx="5" cy="6" r="3"/><circle cx="19" cy="6" r="3"/>'
    + '<circle cx="12" cy="18" r="3"/><path d="M6.5 8.2 11 15.6l-1.3.8L5.2 9zM17.5 8.2 13 15.6l1.3.8L18.8 9z"/></g></svg>'
});

const ROW_H = 48;
const HEAD_H = 26;

type Item = { kind: 'group'; name: string; count: number } | { kind: 'row'; node: LineageNode };

export interface PanelHost {
  openLineage(bridge: KernelBridge, selection?: string): void;
  openRuns(bridge: KernelBridge): void;
  jumpToCell(bridge: KernelBridge, cellId: string): void;
}

export class AssetsPanel extends Widget {
  constructor(private host: PanelHost) {
    super();
    this.id = 'dagster-nb-catalog';
    this.addClass('dnbx-panel');
    this.title.icon = assetsIcon;
    this.title.caption = 'Assets (dagster_nb)';

    this._where = h('div', { class: 'dnbx-where' });
    const lineageBtn = h('button', { class: 'dnbx-btn dnbx-open-lineage', title: 'Open the lineage graph in a tab' }, 'Lineage');
    lineageBtn.onclick = () => this._bridge && this.host.openLineage(this._bridge, this._search.value.trim());
    const runsBtn = h('button', { class: 'dnbx-btn dnbx-open-runs', title: 'Run history' }, 'Runs');
    runsBtn.onclick = () => this._bridge && this.host.openRuns(this._bridge);
    this._search = h('input', { class: 'dnbx-search jp-mod-styled', type: 'search',
      placeholder: 'Filter: orders, group:sales, +key:revenue, kind:pandas', spellcheck: 'false' });
    this._search.addEventListener('keydown', e => { if (e.key === 'Enter') { void this._applySearch(); } });
    this._search.addEventListener('input', () => {
      window.clearTimeout(this._searchTimer);
      this._searchTimer = window.setTimeout(() => void this._applySearch(), 250);
    });
    this._groupBy = h('select', { class: 'dnbx-groupby jp-mod-styled', title: 'Group rows' },
      h('option', { value: '' }, 'No grouping'), h('option', { value: 'group' }, 'By group'),
      h('option', { value: 'kind' }, 'By kind'));
    this._groupBy.onchange = () => this._rebuild();
    this._searchError = h('div', { class: 'dnbx-search-error' });
    this._counts = h('div', { class: 'dnbx-counts' });
    this._message = h('div', { class: 'dnbx-message' });
    this._list = h('div', { class: 'dnbx-list' });
    this._inner = h('div', { class: 'dnbx-list-inner' });
    this._list.append(this._inner);
    this._list.addEventListener('scroll', () => this._renderRows());
    this._detail = h('div', { class: 'dnbx-detail' });
    this._empty = h('div', { class: 'dnbx-empty' });
    this.node.append(
      h('div', { class: 'dnbx-head' }, h('span', { class: 'dnbx-title' }, 'Assets'), this._where,
        h('span', { class: 'dnbx-spacer' }), lineageBtn, runsBtn),
      h('div', { class: 'dnbx-tools' }, this._search, this._groupBy),
      this._searchError, this._counts, this._message, this._empty, this._list, this._detail
    );
    this._update();
  }

  get bridge(): KernelBridge | null { return this._bridge; }

  /** Follow another notebook's kernel (null: no notebook in focus). */
  setBridge(bridge: KernelBridge | null): void {
    if (bridge === this._bridge) { return; }
    this._bridge?.changed.disconnect(this._update, this);
    this._bridge = bridge;
    this._filter = null;
    this._search.value = '';
    this._searchError.textContent = '';
    this._selected = '';
    this._detail.replaceChildren();
    this._message.textContent = '';
    bridge?.changed.connect(this._update, this);
    this._update();
  }

  /** Show `key`'s details (also used by the lineage tab's node clicks). */
  async select(key: string): Promise<void> {
    this._selected = key;
    this._renderRows();
    await this._loadDetail(key);
  }

  protected onAfterShow(): void { this._renderRows(); }
  protected onResize(): void { this._renderRows(); }

  private _update(): void {
    const b = this._bridge;
    const state = b ? b.state : 'no-kernel';
    this._where.textContent = b ? b.name : '';
    this.node.dataset.state = state;
    let empty = '';
    if (!b) { empty = 'Open a notebook to see its assets.'; }
    else if (state === 'no-kernel') { empty = 'This notebook has no kernel.'; }
    else if (state === 'connecting') { empty = 'Connecting to the kernel…'; }
    else if (state === 'not-loaded') {
      empty = 'This notebook\'s kernel has not loaded dagster_nb. Run %load_ext dagster_nb in a cell.';
    } else if (b.error) { empty = `The definitions have an error: ${b.error}`; }
    else if (b.lineage && !b.lineage.nodes.length) { empty = 'No assets in this kernel yet: define one with @dg.asset.'; }
    this._empty.textContent = empty;
    this._empty.style.display = empty ? '' : 'none';
    const nodes = b?.lineage?.nodes ?? [];
    const counts = b?.lineage?.counts ?? {};
    this._counts.replaceChildren(...Object.entries(counts).filter(([, n]) => n).map(
      ([st, n]) => h('span', { class: `dnbx-count dnbx-status-${st}` }, h('span', { class: 'dnbx-dot' }), `${n} ${st}`)));
    this._nodes = nodes;
    this._rebuild();
    if (this._selected && this._detailKey === this._selected && state === 'loaded') {
      const n = nodes.find(x => x.key === this._selected);
      const changed = n && (n.status !== this._detailStatus
        || (n.last_materialization?.timestamp ?? null) !== this._detailStamp);
      if (!n) { this._selected = ''; this._detail.replaceChildren(); }
      else if (changed) { void this._loadDetail(this._selected); }
    }
  }

  private async _applySearch(): Promise<void> {
    const text = this._search.value.trim();
    const b = this._bridge;
    if (!text || !b) { this._filter = null; this._searchError.textContent = ''; this._rebuild(); return; }
    const names = this._nodes.map(n => n.key);
    // A plain substring (no selection syntax) filters at once, without the kernel.
    if (/^[\w\-./]+$/.test(text) && !names.includes(text)) {
      this._filter = new Set(names.filter(k => k.toLowerCase().includes(text.toLowerCase())));
      this._searchError.textContent = '';
      this._rebuild();
      return;
    }
    try {
      const r = await b.request('select', { selection: text });
      if (this._search.value.trim() !== text) { return; }
      this._filter = new Set(r.keys as string[]);
      this._searchError.textContent = r.keys.length ? '' : 'The selection matches no assets.';
    } catch (e) {
      this._searchError.textContent = (e as Error).message;
    }
    this._rebuild();
  }

  private _rebuild(): void {
    const nodes = this._filter ? this._nodes.filter(n => this._filter!.has(n.key)) : this._nodes;
    const by = this._groupBy.value;
    const items: Item[] = [];
    if (!by) {
      for (const n of nodes) { items.push({ kind: 'row', node: n }); }
    } else {
      const groups = new Map<string, LineageNode[]>();
      for (const n of nodes) {
        const names = by === 'group' ? [n.group] : (n.kinds.length ? n.kinds : ['(no kind)']);
        for (const g of names) {
          if (!groups.has(g)) { groups.set(g, []); }
          groups.get(g)!.push(n);
        }
      }
      for (const g of [...groups.keys()].sort()) {
        items.push({ kind: 'group', name: g, count: groups.get(g)!.length });
        for (const n of groups.get(g)!) { items.push({ kind: 'row', node: n }); }
      }
    }
    this._items = items;
    this._offsets = [];
    let y = 0;
    for (const it of items) { this._offsets.push(y); y += it.kind === 'row' ? ROW_H : HEAD_H; }
    this._inner.style.height = `${y}px`;
    this._list.style.display = items.length ? '' : 'none';
    this._renderRows();
  }

  /** Draw only the rows in view (plus a margin). */
  private _renderRows(): void {
    const top = this._list.scrollTop;
    const height = this._list.clientHeight || 600;
    const offs = this._offsets;
    let lo = 0, hi = offs.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (offs[mid] < top - 200) { lo = mid + 1; } else { hi = mid; } }
    const rows: HTMLElement[] = [];
    for (let i = lo; i < this._items.length && offs[i] < top + height + 200; i++) {
      rows.push(this._renderItem(this._items[i], offs[i]));
    }
    this._inner.replaceChildren(...rows);
  }

  private _renderItem(it: Item, y: number): HTMLElement {
    if (it.kind === 'group') {
      const el = h('div', { class: 'dnbx-group-head' }, `${it.name}`, h('span', { class: 'dnbx-muted' }, ` ${it.count}`));
      el.style.top = `${y}px`;
      return el;
    }
    const n = it.node;
    const meta: string[] = [];
    meta.push(n.group);
    if (n.kinds.length) { meta.push(n.kinds.join(', ')); }
    if (n.partitions) { meta.push(`${n.partitions.materialized}/${n.partitions.total} partitions`); }
    if (n.status === 'stale' && n.stale_causes.length) { meta.unshift(n.stale_causes[0]); }
    const checks = checksText(n.checks);
    if (checks) { meta.push(`checks: ${checks}`); }
    const statusText = n.status;
    const btn = h('button', { class: `dnbx-btn dnbx-row-run${n.partitioned ? ' dnbx-partitioned' : ''}`,
      title: n.partitioned ? 'Materialize partitions…' : 'Materialize' }, n.partitioned ? '▶▶' : '▶');
    btn.disabled = !n.is_materializable || this._busy;
    btn.onclick = ev => { ev.stopPropagation(); void this._materialize(n); };
    const row = h('div', {
      class: `dnbx-row dnbx-status-${n.status}${n.key === this._selected ? ' dnbx-selected' : ''}`,
      'data-asset-key': n.key, 'data-status': n.status,
      title: [n.key, n.description ?? '', ...n.stale_causes.map(c => `stale: ${c}`)].filter(Boolean).join('\n')
    },
    h('span', { class: 'dnbx-dot' }),
    h('div', { class: 'dnbx-row-main' },
      h('div', { class: 'dnbx-row-top' }, h('span', { class: 'dnbx-name' }, n.key),
        h('span', { class: 'dnbx-row-status' }, statusText)),
      h('div', { class: 'dnbx-row-meta' }, h('span', {}, meta.join(' · ')),
        h('span', { class: 'dnbx-row-time' }, ago(n.last_materialization?.timestamp)))),
    btn);
    row.style.top = `${y}px`;
    row.onclick = () => void this.select(n.key);
    return row;
  }

  private async _materialize(n: LineageNode, selection?: string): Promise<void> {
    const b = this._bridge;
    if (!b) { return; }
    let args: Record<string, unknown>;
    if (n.partitioned && !selection) {
      let choice;
      try { choice = await launchDialog(b, n.key); } catch (e) { this._say((e as Error).message, true); return; }
      if (!choice) { return; }
      args = { key: n.key, ...choice };
    } else {
      args = selection ? { selection } : { key: n.key };
    }
    this._busy = true;
    this._renderRows();
    this._say(`Materializing ${selection ?? n.key}…`);
    try {
      const r = await b.request('materialize', args);
      this._say(r.message, !r.success);
    } catch (e) {
      this._say((e as Error).message, true);
    } finally {
      this._busy = false;
      this._renderRows();
    }
  }

  private _say(text: string, error = false): void {
    this._message.textContent = text;
    this._message.classList.toggle('dnbx-error', error);
  }

  private async _loadDetail(key: string): Promise<void> {
    const b = this._bridge;
    if (!b) { return; }
    this._detailKey = key;
    let d: any;
    try {
      d = await b.request('detail', { key });
    } catch (e) {
      this._detail.replaceChildren(h('div', { class: 'dnbx-error' }, (e as Error).message));
      return;
    }
    if (this._selected !== key) { return; }
    this._detailStatus = d.status;
    this._detailStamp = d.last_materialization?.timestamp ?? null;
    this._detail.replaceChildren(this._renderDetail(b, d));
  }

  private _renderDetail(b: KernelBridge, d: any): HTMLElement {
    const node = this._nodes.find(n => n.key === d.key);
    const close = h('button', { class: 'dnbx-btn dnbx-detail-close', title: 'Close' }, '×');
    close.onclick = () => { this._selected = ''; this._detailKey = ''; this._detail.replaceChildren(); this._renderRows(); };
    const actions = h('div', { class: 'dnbx-actions' });
    if (d.is_materializable && node) {
      const run = h('button', { class: 'dnbx-btn dnbx-primary dnbx-detail-run' }, d.partitioned ? 'Materialize…' : 'Materialize');
      run.onclick = () => void this._materialize(node);
      actions.append(run);
      if (!d.partitioned) {
        const up = h('button', { class: 'dnbx-btn' }, '+ upstream');
        up.onclick = () => void this._materialize(node, '+' + keySelection(d.key));
        const down = h('button', { class: 'dnbx-btn' }, '+ downstream');
        down.onclick = () => void this._materialize(node, keySelection(d.key) + '+');
        actions.append(up, down);
      }
    }
    const lin = h('button', { class: 'dnbx-btn' }, 'Lineage');
    lin.onclick = () => this.host.openLineage(b, '+' + keySelection(d.key) + '+');
    actions.append(lin);
    if (d.cell) {
      const jump = h('button', { class: 'dnbx-btn dnbx-jump', title: 'Go to the cell that defines it' }, 'Go to cell');
      jump.onclick = () => this.host.jumpToCell(b, d.cell);
      actions.append(jump);
    }
    const rows: [string, Node | string][] = [
      ['Status', h('span', { class: `dnbx-status-${d.status} dnbx-status-text` }, h('span', { class: 'dnbx-dot' }), d.status)],
      ['Group', d.group], ['Kinds', d.kinds.join(', ') || '—'],
      ['Code version', d.code_version ?? '—'],
      ['Last materialized', when(d.last_materialization?.timestamp)],
    ];
    if (d.partitions_def) { rows.push(['Partitions', `${d.partitions?.materialized ?? 0}/${d.partitions?.total ?? 0} · ${d.partitions_def}`]); }
    if (d.stale_causes?.length) { rows.push(['Stale because', d.stale_causes.join('; ')]); }
    if (d.parents?.length) { rows.push(['Upstream', d.parents.join(', ')]); }
    if (d.children?.length) { rows.push(['Downstream', d.children.join(', ')]); }
    const checks = checksText(d.checks);
    if (checks) { rows.push(['Checks', checks]); }
    const table = h('table', { class: 'dnbx-kv' });
    for (const [k, v] of rows) { table.append(h('tr', {}, h('th', {}, k), h('td', {}, v))); }
    const meta = h('table', { class: 'dnbx-kv' });
    const lastMeta = d.last_materialization?.metadata ?? [];
    for (const m of [...(d.definition_metadata ?? []), ...lastMeta]) {
      meta.append(h('tr', {}, h('th', {}, m.label), h('td', {}, m.text)));
    }
    const hist = h('table', { class: 'dnbx-hist' });
    for (const m of d.history ?? []) {
      hist.append(h('tr', {}, h('td', {}, when(m.timestamp)), h('td', {}, m.partition ?? ''),
        h('td', { class: 'dnbx-mono' }, m.run_id.slice(0, 8))));
    }
    const value = h('div', { class: 'dnbx-value' });
    if (d.value_html) { value.innerHTML = d.value_html; }  // escaped in the kernel (html.value_preview_html)
    else { value.append(h('span', { class: 'dnbx-muted' }, d.value_error ?? '')); }
    return h('div', { class: 'dnbx-detail-body', 'data-asset-key': d.key },
      h('div', { class: 'dnbx-detail-head' }, h('span', { class: 'dnbx-name' }, d.key), h('span', { class: 'dnbx-spacer' }), close),
      d.description ? h('div', { class: 'dnbx-desc' }, d.description) : null,
      actions, table,
      meta.childElementCount ? h('div', { class: 'dnbx-sub' }, 'Metadata') : null, meta.childElementCount ? meta : null,
      hist.childElementCount ? h('div', { class: 'dnbx-sub' }, 'History') : null, hist.childElementCount ? hist : null,
      h('div', { class: 'dnbx-sub' }, d.value_partition ? `Value (partition ${d.value_partition})` : 'Value'), value);
  }

  private _bridge: KernelBridge | null = null;
  private _nodes: LineageNode[] = [];
  private _items: Item[] = [];
  private _offsets: number[] = [];
  private _filter: Set<string> | null = null;
  private _selected = '';
  private _detailKey = '';
  private _detailStatus = '';
  private _detailStamp: number | null = null;
  private _busy = false;
  private _searchTimer = 0;
  private _where: HTMLElement;
  private _search: HTMLInputElement;
  private _groupBy: HTMLSelectElement;
  private _searchError: HTMLElement;
  private _counts: HTMLElement;
  private _message: HTMLElement;
  private _list: HTMLElement;
  private _inner: HTMLElement;
  private _detail: HTMLElement;
  private _empty: HTMLElement;
}

export { dur };
