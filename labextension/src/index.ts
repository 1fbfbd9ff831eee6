/**
 * dagster-nb: JupyterLab 4 / Notebook 7 extension for dagster_nb. It adds the "Assets" sidebar
 * panel (for the kernel of the notebook in focus), the "Lineage" tab and the "Runs" view, all
 * fed by the kernel over a comm (dagster_nb/_notebook/lab.py).
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { KernelBridge } from './bridge';
import { stopWorkers, warmUpSoon } from './elkpool';
import { LineageView, layoutGraph } from './lineage';
import { AssetsPanel, assetsIcon } from './panel';
import { RunsView } from './runs';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'dagster-nb:plugin',
  description: 'dagster_nb assets sidebar, lineage tab and runs view',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker) => {
    const bridges = new Map<NotebookPanel, KernelBridge>();
    const lineageTabs = new Map<KernelBridge, MainAreaWidget<LineageView>>();

    const host = {
      openLineage(bridge: KernelBridge, selection = '') {
        let tab = lineageTabs.get(bridge);
        if (!tab || tab.isDisposed) {
          const view = new LineageView(bridge, host, selection);
          tab = new MainAreaWidget<LineageView>({ content: view });
          tab.id = view.id;
          tab.title.label = view.title.label;
          tab.title.icon = assetsIcon;
          tab.title.closable = true;
          lineageTabs.set(bridge, tab);
          app.shell.add(tab, 'main', { mode: 'split-right' });
        } else if (selection) {
          void tab.content.focusOn(selection);
        }
        app.shell.activateById(tab.id);
      },
      openRuns(bridge: KernelBridge) {
        const view = new RunsView(bridge);
        const tab = new MainAreaWidget({ content: view });
        tab.id = view.id;
        tab.title.label = view.title.label;
        tab.title.closable = true;
        app.shell.add(tab, 'main', { mode: 'split-bottom' });
        app.shell.activateById(tab.id);
      },
      jumpToCell(bridge: KernelBridge, cellId: string) {
        for (const [nb, b] of bridges) {
          if (b !== bridge) { continue; }
          const cells = nb.content.widgets;
          const i = cells.findIndex(c => c.model.id === cellId);
          if (i < 0) { return; }
          app.shell.activateById(nb.id);
          nb.content.activeCellIndex = i;
          void nb.content.scrollToCell(cells[i], 'center');
        }
      },
      selectInPanel(bridge: KernelBridge, key: string) {
        panel.setBridge(bridge);
        app.shell.activateById(panel.id);
        void panel.select(key);
      }
    };

    const panel = new AssetsPanel(host);
    app.shell.add(panel, 'left', { rank: 210 });

    const track = (nb: NotebookPanel) => {
      if (bridges.has(nb)) { return; }
      const bridge = new KernelBridge(nb.title.label || nb.context.path);
      bridges.set(nb, bridge);
      bridge.changed.connect(() => {
        // A kernel with dagster_nb: start the layout workers now, off the UI thread, so the
        // first Lineage tab finds ELK loaded (starting them costs ~1 s of the first layout).
        if (bridge.state === 'loaded') { warmUpSoon(); }
      });
      bridge.openRequested.connect((_, req) => {
        if (req.view === 'lineage') { host.openLineage(bridge, req.selection); }
        else if (req.view === 'runs') { host.openRuns(bridge); }
      });
      const follow = () => bridge.setKernel(nb.sessionContext.session?.kernel ?? null);
      nb.sessionContext.kernelChanged.connect(follow);
      nb.sessionContext.ready.then(follow).catch(() => undefined);
      follow();
      nb.disposed.connect(() => {
        bridges.delete(nb);
        if (panel.bridge === bridge) { panel.setBridge(null); }
        bridge.dispose();
      });
      if (tracker.currentWidget === nb) { panel.setBridge(bridge); }
    };
    tracker.widgetAdded.connect((_, nb) => track(nb));
    tracker.forEach(track);
    tracker.currentChanged.connect((_, nb) => {
      if (nb) { track(nb); panel.setBridge(bridges.get(nb) ?? null); }
    });
    if (tracker.currentWidget) { panel.setBridge(bridges.get(tracker.currentWidget) ?? null); }

    app.commands.addCommand('dagster-nb:open-lineage', {
      label: 'Open the dagster_nb lineage graph',
      execute: args => {
        const b = panel.bridge;
        if (b) { host.openLineage(b, String(args.selection ?? '')); }
      }
    });
    app.commands.addCommand('dagster-nb:open-runs', {
      label: 'Open the dagster_nb runs view',
      execute: () => { if (panel.bridge) { host.openRuns(panel.bridge); } }
    });
    // Used by bench/bench_lab.py: lay out and draw a synthetic view model in a real tab and
    // return the times (ms), so the layout speed is measured in the browser that users run.
    app.commands.addCommand('dagster-nb:bench-layout', {
      label: 'dagster_nb: lay out a synthetic graph (benchmark)',
      execute: async args => {
        const vm = args.view_model as any;
        if (args.cold) { stopWorkers(); }  // new workers: ELK loaded and compiled from nothing
        // The longest the UI thread went without running a 5 ms timer during the layout.
        let last = performance.now(), stall = 0, ticking = true;
        const tick = () => {
          const now = performance.now();
          stall = Math.max(stall, now - last);
          last = now;
          if (ticking) { setTimeout(tick, 5); }
        };
        setTimeout(tick, 5);
        const t0 = performance.now();
        const laid = await layoutGraph(vm.nodes, vm.edges);
        const layoutMs = performance.now() - t0;
        ticking = false;
        const view = new LineageView(null, null);
        const tab = new MainAreaWidget({ content: view });
        tab.id = view.id;
        app.shell.add(tab, 'main');
        const t1 = performance.now();
        await view.render(vm);
        await new Promise(r => requestAnimationFrame(() => r(null)));
        const showMs = performance.now() - t1;
        if (!args.keep) { tab.dispose(); }
        return { layout_ms: layoutMs, show_ms: showMs, stall_ms: stall, timing: laid.timing, workers: navigator.hardwareConcurrency };
      }
    });
  }
};

export default plugin;
