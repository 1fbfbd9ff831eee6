// Run progress and run history tables, drawn from view_model ({run, rows} or {runs}).
const COLORS = { success: '#16a34a', SUCCESS: '#16a34a', failed: '#dc2626', FAILURE: '#dc2626',
  running: '#2563eb', STARTED: '#2563eb', planned: '#9ca3af', NOT_STARTED: '#9ca3af',
  skipped: '#64748b', CANCELED: '#64748b' };

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
const dur = (s) => (s === null || s === undefined ? '' : s < 1 ? `${Math.round(s * 1000)} ms` : s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);
const badge = (s) => { const b = h('span', 'dnb-r-badge', s); b.style.borderColor = COLORS[s] || '#64748b'; b.style.color = COLORS[s] || '#64748b'; return b; };

function table(headers, rows) {
  const t = h('table', 'dnb-r-table');
  const tr = h('tr');
  headers.forEach((x) => tr.appendChild(h('th', null, x)));
  t.appendChild(tr);
  rows.forEach((r) => {
    const row = h('tr');
    r.forEach((c) => { const td = h('td'); if (c instanceof Node) td.appendChild(c); else td.textContent = c; row.appendChild(td); });
    t.appendChild(row);
  });
  return t;
}

// A running step's time is counted here, in the browser, so it never reads "0 ms": under a
// second it says "running", then the seconds so far, ticking.
const nowS = () => Date.now() / 1000;
const rowTime = (r) => {
  if (r.status === 'running') {
    const el = r.start_time ? Math.max(0, nowS() - r.start_time) : (r.elapsed || 0);
    return el < 1 ? 'running' : `running ${dur(el)}`;
  }
  if (r.status === 'planned') return '';
  return dur(r.duration);
};

function progress(vm, runsOpen) {
  const box = h('div');
  const run = vm.run || {};
  const runs = vm.runs || [];
  const head = h('div', 'dnb-r-head');
  if (runs.length > 1) {
    // a backfill: every run, not only the last
    const counts = {};
    runs.forEach((x) => { counts[x.status] = (counts[x.status] || 0) + 1; });
    const overall = counts.STARTED ? 'STARTED' : counts.FAILURE ? 'FAILURE' : counts.CANCELED ? 'CANCELED' : 'SUCCESS';
    const total = runs.reduce((a, x) => a + (x.duration || 0), 0);
    head.append(h('b', null, `${runs.length} runs `), badge(overall), document.createTextNode(' ' + dur(total) + ' '),
      h('span', 'dnb-r-muted', Object.entries(counts).map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ')));
    box.appendChild(head);
    const det = h('details', 'dnb-r-runs');
    det.open = !!runsOpen;  // stays as the user left it while the runs go on
    det.appendChild(h('summary', null, 'runs'));
    det.appendChild(table(['run', 'status', 'partition', 'duration'], runs.map((x) => [
      h('code', null, String(x.run_id || '').slice(0, 8)), badge(x.status), x.partition || '', dur(x.duration)])));
    box.appendChild(det);
  } else {
    head.append(h('b', null, 'Run '), h('code', null, String(run.run_id || '').slice(0, 8)), document.createTextNode(' '), badge(run.status || 'NOT_STARTED'), document.createTextNode(' ' + dur(run.duration)));
    box.appendChild(head);
  }
  box.appendChild(table(['asset', 'status', 'duration', 'partitions', ''], (vm.rows || []).map((r) => {
    const p = r.partitions;
    let prog = '';
    if (p) {
      const bar = h('span', 'dnb-r-bar');
      const fill = h('span', 'dnb-r-fill');
      fill.style.width = `${p.total ? (100 * p.done) / p.total : 0}%`;
      bar.appendChild(fill);
      prog = h('span');
      prog.append(bar, document.createTextNode(` ${p.done}/${p.total}${p.failed ? ` (${p.failed} failed)` : ''}`));
    }
    const err = r.error ? h('span', 'dnb-r-err', r.error) : '';
    const time = h('span', 'dnb-r-time', rowTime(r));
    if (r.status === 'running') time.dataset.start = String(r.start_time || '');
    return [r.key, badge(r.status), time, prog, err];
  })));
  return box;
}

function history(vm) {
  return table(['run', 'status', 'started', 'duration', 'assets', 'partition'], (vm.runs || []).map((r) => {
    const a = r.assets || [];
    return [r.run_id.slice(0, 8), badge(r.status), r.start_time ? new Date(r.start_time * 1000).toLocaleString() : '',
      dur(r.duration), a.slice(0, 6).join(', ') + (a.length > 6 ? ` +${a.length - 6}` : ''), r.partition || ''];
  }));
}

function render({ model, el }) {
  el.classList.add('dnb-runs');
  let timer = null;
  const draw = () => {
    const vm = model.get('view_model') || {};
    const det = el.querySelector('details.dnb-r-runs');
    el.innerHTML = '';
    const isHistory = !vm.rows && vm.runs;
    el.appendChild(isHistory ? history(vm) : progress(vm, det && det.open));
    const running = !isHistory && (vm.rows || []).some((r) => r.status === 'running');
    if (running && !timer) {
      timer = setInterval(() => {
        el.querySelectorAll('.dnb-r-time[data-start]').forEach((t) => {
          const st = Number(t.dataset.start);
          if (!st) return;
          const e = Math.max(0, nowS() - st);
          t.textContent = e < 1 ? 'running' : `running ${dur(e)}`;
        });
      }, 500);
    } else if (!running && timer) { clearInterval(timer); timer = null; }
  };
  model.on('change:view_model', draw);
  draw();
  return () => { if (timer) clearInterval(timer); };
}

export default { render };
