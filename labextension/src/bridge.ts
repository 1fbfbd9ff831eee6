/**
 * One kernel's connection to dagster_nb: a Jupyter comm (target "dagster_nb") that carries the
 * same JSON view model the cell widgets render (dagster_nb/_widgets/VIEWMODEL.md).
 *
 * The front end opens a comm when it meets a kernel (a page loaded after `%load_ext`); the
 * kernel opens one itself on `%load_ext` (the page was already there). Either way the kernel
 * pushes `state` messages on every change; nothing here polls.
 */
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

export const COMM_TARGET = 'dagster_nb';

export type Status = 'fresh' | 'stale' | 'missing' | 'running' | 'failed' | 'source' | 'external';

export interface ChecksSummary {
  total: number; passed: number; failed: number; warning: number; not_evaluated: number;
  items: { name: string; status: string; description: string | null }[];
}

export interface LineageNode {
  id: string; key: string; path: string[]; label: string; prefix: string;
  group: string; kinds: string[]; owners: string[]; tags: Record<string, string>;
  status: Status; stale_causes: string[];
  last_materialization: { timestamp: number; run_id: string } | null;
  partitioned: boolean;
  partitions: { total: number; materialized: number; failed: number; in_progress: number } | null;
  description: string | null; code_version: string | null; is_materializable: boolean;
  checks: ChecksSummary | null;
  cell: string | null;
}

export interface LineageViewModel {
  schema: string;
  nodes: LineageNode[];
  edges: { source: string; target: string }[];
  groups: { name: string; keys: string[]; counts: Record<string, number> }[];
  counts: Record<string, number>;
  total_assets: number;
  version?: number;
}

export type KernelState = 'connecting' | 'loaded' | 'not-loaded' | 'no-kernel';

interface Pending { resolve: (v: any) => void; reject: (e: Error) => void }

export class KernelBridge {
  constructor(readonly name: string) {}

  get state(): KernelState { return this._state; }
  get lineage(): LineageViewModel | null { return this._lineage; }
  get error(): string { return this._error; }
  get kernel(): Kernel.IKernelConnection | null { return this._kernel; }
  /** Emitted when the state or the view model changed. */
  get changed(): ISignal<this, void> { return this._changed; }
  /** Emitted after a run ended (the runs view reloads). */
  get runsChanged(): ISignal<this, void> { return this._runsChanged; }
  /** The kernel asked to open a view (`%lineage --tab`). */
  get openRequested(): ISignal<this, { view: string; selection: string }> { return this._open; }

  /** Follow `kernel` (null: the notebook has no kernel). */
  setKernel(kernel: Kernel.IKernelConnection | null): void {
    if (kernel === this._kernel) { return; }
    this._kernel = kernel;
    this._dropComm();
    if (!kernel) { this._set('no-kernel'); return; }
    this._set('connecting');
    if (!KernelBridge._hooked.has(kernel)) {
      KernelBridge._hooked.add(kernel);
      kernel.registerCommTarget(COMM_TARGET, (comm: Kernel.IComm) => {
        KernelBridge._bridgeOf.get(kernel)?._attach(comm);
      });
    }
    KernelBridge._bridgeOf.set(kernel, this);
    kernel.statusChanged.connect(this._onStatus, this);
    void this._probe();
  }

  /** Ask the kernel: answers with `data`, or rejects with the kernel's error message. */
  request(op: string, args: Record<string, unknown> = {}): Promise<any> {
    const comm = this._comm;
    if (!comm || this._state !== 'loaded') {
      return Promise.reject(new Error('This notebook\'s kernel has not loaded dagster_nb: run %load_ext dagster_nb.'));
    }
    const id = ++this._nextId;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject });
      comm.send({ type: 'request', id, op, args } as any);
    });
  }

  dispose(): void {
    this._kernel?.statusChanged.disconnect(this._onStatus, this);
    this._dropComm();
    Signal.clearData(this);
  }

  private async _probe(): Promise<void> {
    const kernel = this._kernel;
    if (!kernel) { return; }
    try {
      await kernel.info;  // wait for the kernel to be reachable
    } catch { /* the status change will tell */ }
    if (kernel !== this._kernel || this._comm) { return; }
    // Front-end opened comm: answered with a state when the kernel has the target, closed at
    // once by the kernel when it does not (dagster_nb not loaded yet).
    const comm = kernel.createComm(COMM_TARGET);
    this._attach(comm, false);
    try {
      comm.open({ type: 'hello' } as any);
    } catch {
      this._dropComm();
      this._set('not-loaded');
    }
  }

  private _attach(comm: Kernel.IComm, fromKernel = true): void {
    if (this._comm && this._comm !== comm) {
      const old = this._comm;
      this._comm = null;
      try { if (!old.isDisposed) { old.close(); } } catch { /* already gone */ }
    }
    this._comm = comm;
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => this._onMsg(comm, msg.content.data as any);
    comm.onClose = () => {
      if (this._comm === comm) {
        this._comm = null;
        this._failPending('The kernel closed the connection.');
        this._set('not-loaded');
      }
    };
    if (fromKernel) { comm.send({ type: 'hello' } as any); }
  }

  private _onMsg(comm: Kernel.IComm, data: any): void {
    if (comm !== this._comm || !data) { return; }
    switch (data.type) {
      case 'state':
        this._lineage = data.lineage ?? null;
        this._error = data.error ?? '';
        this._state = 'loaded';
        this._changed.emit();
        break;
      case 'reply': {
        const p = this._pending.get(data.id);
        if (p) {
          this._pending.delete(data.id);
          if (data.ok) { p.resolve(data.data); } else { p.reject(new Error(data.error || 'Request failed.')); }
        }
        break;
      }
      case 'runs_changed':
        this._runsChanged.emit();
        break;
      case 'open':
        this._open.emit({ view: data.view, selection: data.selection || '' });
        break;
    }
  }

  private _onStatus(_: Kernel.IKernelConnection, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting' || status === 'dead') {
      this._dropComm();
      this._lineage = null;
      this._set('not-loaded');
    }
  }

  private _dropComm(): void {
    const c = this._comm;
    this._comm = null;
    this._failPending('The kernel connection changed.');
    if (c && !c.isDisposed) { try { c.dispose(); } catch { /* ignore */ } }
  }

  private _failPending(msg: string): void {
    for (const p of this._pending.values()) { p.reject(new Error(msg)); }
    this._pending.clear();
  }

  private _set(state: KernelState): void {
    if (state !== 'loaded') { this._lineage = state === 'connecting' ? this._lineage : null; }
    this._state = state;
    this._changed.emit();
  }

  private static _hooked = new WeakSet<Kernel.IKernelConnection>();
  private static _bridgeOf = new WeakMap<Kernel.IKernelConnection, KernelBridge>();
  private _kernel: Kernel.IKernelConnection | null = null;
  private _comm: Kernel.IComm | null = null;
  private _state: KernelState = 'no-kernel';
  private _lineage: LineageViewModel | null = null;
  private _error = '';
  private _nextId = 0;
  private _pending = new Map<number, Pending>();
  private _changed = new Signal<this, void>(this);
  private _runsChanged = new Signal<this, void>(this);
  private _open = new Signal<this, { view: string; selection: string }>(this);
}
