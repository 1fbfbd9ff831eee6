/**
 * The launch dialog for a partitioned asset: one partition, a range, or every missing
 * partition (optionally within the range). The kernel validates the choice again and answers
 * with a clear error, shown in the dialog's caller.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { KernelBridge } from './bridge';
import { h } from './util';

export interface LaunchChoice { partition?: string; range?: [string, string]; missing_only?: boolean }

class LaunchBody extends Widget {
  constructor(key: string, vm: any) {
    super();
    this.addClass('dnbx-launch');
    const keys: string[] = vm.keys ?? vm.all_keys ?? [];
    const counts = vm.counts ?? {};
    const listId = `dnbx-launch-keys-${Math.random().toString(36).slice(2)}`;
    const list = h('datalist', { id: listId });
    for (const k of keys.slice(0, 5000)) { list.append(h('option', { value: k })); }
    const missing = keys.length - (counts.materialized ?? 0);
    const lastDone = this._lastMaterialized(vm) ?? keys[keys.length - 1] ?? '';
    this._mode = 'single';
    const radio = (value: string, label: string) => {
      const r = h('input', { type: 'radio', name: 'dnbx-launch-mode', value, class: `dnbx-launch-mode-${value}` });
      if (value === this._mode) { r.checked = true; }
      r.addEventListener('change', () => { this._mode = value; this._sync(); });
      return h('label', { class: 'dnbx-launch-option' }, r, ' ', label);
    };
    this._single = h('input', { class: 'dnbx-launch-partition jp-mod-styled', list: listId, value: lastDone, placeholder: keys[0] ?? '' });
    this._start = h('input', { class: 'dnbx-launch-start jp-mod-styled', list: listId, value: keys[0] ?? '' });
    this._end = h('input', { class: 'dnbx-launch-end jp-mod-styled', list: listId, value: keys[keys.length - 1] ?? '' });
    this._missingInRange = h('input', { type: 'checkbox', class: 'dnbx-launch-missing-in-range' });
    this.node.append(
      h('div', { class: 'dnbx-launch-summary' },
        `${key}: ${vm.description ?? ''} — ${vm.total ?? keys.length} partitions, `
        + `${counts.materialized ?? 0} materialized, ${counts.failed ?? 0} failed, ${missing} not materialized.`),
      list,
      radio('single', 'One partition'),
      h('div', { class: 'dnbx-launch-row' }, this._single),
      radio('range', 'A range'),
      h('div', { class: 'dnbx-launch-row' }, this._start, ' … ', this._end,
        h('label', {}, this._missingInRange, ' missing only')),
      radio('missing', `Every missing partition (${missing})`)
    );
    this._sync();
  }

  getValue(): LaunchChoice {
    if (this._mode === 'single') { return { partition: this._single.value.trim() }; }
    if (this._mode === 'range') {
      return { range: [this._start.value.trim(), this._end.value.trim()], missing_only: this._missingInRange.checked };
    }
    return { missing_only: true };
  }

  private _sync(): void {
    this._single.disabled = this._mode !== 'single';
    this._start.disabled = this._end.disabled = this._missingInRange.disabled = this._mode !== 'range';
  }

  private _lastMaterialized(vm: any): string | null {
    const ranges: any[] = vm.ranges ?? [];
    for (let i = ranges.length - 1; i >= 0; i--) {
      if (ranges[i].status === 'materialized') { return ranges[i].end; }
    }
    return null;
  }

  private _mode: string;
  private _single: HTMLInputElement;
  private _start: HTMLInputElement;
  private _end: HTMLInputElement;
  private _missingInRange: HTMLInputElement;
}

/**
 * The launch dialog for a multi-dimensional partitioned asset (`MultiPartitionsDefinition`):
 * one value per dimension (a select each, named as the definition names them), or every
 * missing partition. A key is the dimensions' values joined with `|` in the order of
 * `dimension_names` (Dagster's `MultiPartitionKey` string).
 */
class MultiLaunchBody extends Widget {
  constructor(key: string, vm: any) {
    super();
    this.addClass('dnbx-launch');
    const names: string[] = vm.dimension_names;
    const all: string[] = vm.all_keys ?? [];
    // Each dimension's values, in the order the keys list them (time in time order).
    const values: string[][] = names.map(() => []);
    const seen: Set<string>[] = names.map(() => new Set());
    for (const k of all) {
      k.split('|').forEach((v, i) => {
        if (i < names.length && !seen[i].has(v)) { seen[i].add(v); values[i].push(v); }
      });
    }
    const counts = vm.counts ?? {};
    const missing = (vm.total ?? all.length) - (counts.materialized ?? 0);
    this._mode = 'single';
    const radio = (value: string, label: string) => {
      const r = h('input', { type: 'radio', name: 'dnbx-launch-mode', value, class: `dnbx-launch-mode-${value}` });
      if (value === this._mode) { r.checked = true; }
      r.addEventListener('change', () => { this._mode = value; this._sync(); });
      return h('label', { class: 'dnbx-launch-option' }, r, ' ', label);
    };
    const row = h('div', { class: 'dnbx-launch-row' });
    names.forEach((name, i) => {
      const sel = h('select', { class: 'dnbx-launch-dimension jp-mod-styled', 'data-dimension': name });
      for (const v of values[i]) { sel.append(h('option', { value: v }, v)); }
      this._selects.push(sel);
      row.append(h('label', { class: 'dnbx-launch-dimension-label' }, `${name} `, sel), ' ');
    });
    this.node.append(
      h('div', { class: 'dnbx-launch-summary' },
        `${key}: ${vm.description ?? ''} — ${vm.total ?? all.length} partitions, `
        + `${counts.materialized ?? 0} materialized, ${counts.failed ?? 0} failed, ${missing} not materialized.`),
      radio('single', 'One partition'),
      row,
      radio('missing', `Every missing partition (${missing})`)
    );
    this._sync();
  }

  getValue(): LaunchChoice {
    if (this._mode === 'single') { return { partition: this._selects.map(s => s.value).join('|') }; }
    return { missing_only: true };
  }

  private _sync(): void {
    for (const s of this._selects) { s.disabled = this._mode !== 'single'; }
  }

  private _mode: string;
  private _selects: HTMLSelectElement[] = [];
}

/** Ask which partitions of `key` to run; null when cancelled. */
export async function launchDialog(bridge: KernelBridge, key: string): Promise<LaunchChoice | null> {
  const vm = await bridge.request('partitions', { key });
  const multi = (vm.dimensions ?? 1) !== 1;
  if (multi && !(vm.dimension_names && vm.all_keys)) {
    throw new Error(`${key} has multi-dimensional partitions: use %materialize --partition.`);
  }
  const body = multi ? new MultiLaunchBody(key, vm) : new LaunchBody(key, vm);
  const result = await showDialog<LaunchChoice>({
    title: `Materialize ${key}`,
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Materialize' })]
  });
  return result.button.accept ? result.value : null;
}
