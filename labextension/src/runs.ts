/**
 * The "Runs" main-area tab: run history (status, duration, assets, partitions, tags) and, for
 * the selected run, its step timeline, the failed steps' errors with the user's traceback,
 * and its logs. Reloads when the kernel says a run ended.
 */
import { Widget } from '@lumino/widgets';
import { KernelBridge } from './bridge';
import { dur, h, when } from './util';

export class RunsView extends Widget {
  constructor(private bridge: KernelBridge) {
    super();
    this.addClass('dnbx-runs');
    this.id = `dnbx-runs-${++RunsView._n}`;
    this.title.label = `Runs · ${bridge.name}`;
    this.title.closable = true;
    const refresh = h('button', { class: 'dnbx-btn' }, 'Refresh');
    refresh.onclick = () => void this.reload();
    this._error = h('div', { class: 'dnbx-search-error' });
    this._table = h('table', { class: 'dnbx-runs-table' });
    this._detail = h('div', { class: 'dnbx-run-detail' });
    this.node.append(
      h('div', { class: 'dnbx-lineage-bar' }, h('span', { class: 'dnbx-title' }, 'Runs'), h('span', { class: 'dnbx-spacer' }), refresh),
      this._error,
      h('div', { class: 'dnbx-runs-body' }, h('div', { class: 'dnbx-runs-list' }, this._table), this._detail)
    );
    bridge.runsChanged.connect(this._onRunsChanged, this);
    bridge.changed.connect(this._onState, this);
    void this.reload();
  }

  async reload(): Promise<void> {
    let vm: any;
    try {
      vm = await this.bridge.request('runs', { limit: 100 });
      this._error.textContent = '';
    } catch (e) {
      this._error.textContent = (e as Error).message;
      return;
    }
    const head = h('tr', {}, ...['Status', 'Run', 'Started', 'Duration', 'Assets', 'Partitions', 'Tags'].map(t => h('th', {}, t)));
    const rows = (vm.runs as any[]).map(r => {
      const tags = Object.entries(r.tags as Record<string, string>)
        .filter(([k]) => !k.startsWith('dagster/asset_partition_range') && k !== 'dagster/partition')
        .map(([k, v]) => h('span', { class: 'dnbx-tag' }, `${k}=${v}`));
      const tr = h('tr', { class: `dnbx-run-row dnbx-run-${r.status}${r.run_id === this._selected ? ' dnbx-selected' : ''}`,
        'data-run-id': r.run_id, 'data-status': r.status },
      h('td', {}, h('span', { class: `dnbx-run-badge dnbx-run-${r.status}` }, r.status)),
      h('td', { class: 'dnbx-mono' }, r.run_id.slice(0, 8)),
      h('td', {}, when(r.start_time)), h('td', {}, dur(r.duration)),
      h('td', { title: r.assets.join('\n') }, r.assets.length > 3 ? `${r.assets.slice(0, 3).join(', ')} +${r.assets.length - 3}` : r.assets.join(', ')),
      h('td', {}, r.partition ?? ''), h('td', {}, ...tags));
      tr.onclick = () => void this.showRun(r.run_id);
      return tr;
    });
    this._table.replaceChildren(h('thead', {}, head), h('tbody', {}, ...rows));
    if (!rows.length) { this._detail.replaceChildren(h('div', { class: 'dnbx-muted' }, 'No runs yet.')); }
    else if (!this._selected) { void this.showRun(vm.runs[0].run_id); }
    else if (this._selected) { void this.showRun(this._selected); }
  }

  async showRun(runId: string): Promise<void> {
    this._selected = runId;
    for (const tr of this._table.querySelectorAll<HTMLElement>('.dnbx-run-row')) {
      tr.classList.toggle('dnbx-selected', tr.dataset.runId === runId);
    }
    let vm: any;
    try {
      vm = await this.bridge.request('run', { run_id: runId });
    } catch (e) {
      this._detail.replaceChildren(h('div', { class: 'dnbx-error' }, (e as Error).message));
      return;
    }
    const run = vm.run;
    const t0 = run.start_time ?? Math.min(...vm.rows.map((r: any) => r.start_time ?? Infinity));
    const t1 = run.end_time ?? Math.max(...vm.rows.map((r: any) => r.end_time ?? r.start_time ?? t0));
    const span = Math.max(1e-3, t1 - t0);
    const timeline = h('div', { class: 'dnbx-timeline' });
    for (const r of vm.rows) {
      const bar = h('div', { class: `dnbx-tl-bar dnbx-step-${r.status}` });
      if (r.start_time !== null) {
        const a = (r.start_time - t0) / span, b = ((r.end_time ?? r.start_time) - t0) / span;
        bar.style.left = `${(100 * a).toFixed(2)}%`;
        bar.style.width = `max(3px, ${(100 * (b - a)).toFixed(2)}%)`;
      }
      const parts = r.partitions ? ` · ${r.partitions.done}/${r.partitions.total}` : '';
      timeline.append(h('div', { class: 'dnbx-tl-row', 'data-asset-key': r.key, 'data-status': r.status },
        h('span', { class: 'dnbx-tl-name', title: r.step ?? '' }, r.key),
        h('span', { class: 'dnbx-tl-track' }, bar),
        h('span', { class: 'dnbx-tl-dur' }, `${r.status} · ${dur(r.duration)}${parts}`)));
    }
    const errors = h('div', { class: 'dnbx-run-errors' });
    for (const e of vm.errors) {
      errors.append(h('div', { class: 'dnbx-run-error' },
        h('div', { class: 'dnbx-error' }, `${e.step ?? 'run'} failed: ${e.message}`),
        h('pre', { class: 'dnbx-traceback' }, e.traceback)));
    }
    const logs = h('table', { class: 'dnbx-logs' });
    for (const l of vm.logs) {
      logs.append(h('tr', { class: `dnbx-log dnbx-log-${l.type}` }, h('td', { class: 'dnbx-mono' }, when(l.timestamp).slice(11)),
        h('td', {}, l.type), h('td', {}, l.step ?? ''), h('td', {}, l.message)));
    }
    const parts: Node[] = [
      h('div', { class: 'dnbx-run-head' }, h('span', { class: `dnbx-run-badge dnbx-run-${run.status}` }, run.status),
        h('span', { class: 'dnbx-mono', title: runId }, ` ${runId.slice(0, 8)} `), h('span', { class: 'dnbx-muted' }, `${when(run.start_time)} · ${dur(run.duration)}`)),
      h('div', { class: 'dnbx-sub' }, 'Steps'), timeline];
    if (vm.errors.length) { parts.push(h('div', { class: 'dnbx-sub' }, 'Errors'), errors); }
    parts.push(h('div', { class: 'dnbx-sub' }, `Logs (${vm.logs.length})`), logs);
    this._detail.replaceChildren(...parts);
  }

  dispose(): void {
    this.bridge.runsChanged.disconnect(this._onRunsChanged, this);
    this.bridge.changed.disconnect(this._onState, this);
    super.dispose();
  }

  private _onRunsChanged(): void { this._selected = ''; void this.reload(); }
  private _onState(): void {
    if (this.bridge.state === 'loaded' && this._error.textContent) { void this.reload(); }
  }

  private static _n = 0;
  private _selected = '';
  private _error: HTMLElement;
  private _table: HTMLTableElement;
  private _detail: HTMLElement;
}
