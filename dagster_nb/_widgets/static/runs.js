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
const badge = (s) => { const b = h('span', 'dnb-r-badge', s); b.style.borderColor = COLORS[s] || '#475569'; b.style.color = COLORS[s] || '#475569'; return b; };

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

function progress(vm) {
  const box = h('div');
  const run = vm.run || {};
  const head = h('div', 'dnb-r-head');
  head.append(h('b', null, 'Run '), h('code', null, String(run.run_id || '').slice(0, 8)), document.createTextNode(' '), badge(run.status || 'NOT_STARTED'), document.createTextNode(' ' + dur(run.duration)));
  box.appendChild(head);
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
    return [r.key, badge(r.status), dur(r.duration ?? r.elapsed), prog, err];
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
  const draw = () => {
    const vm = model.get('view_model') || {};
    el.innerHTML = '';
    el.appendChild(vm.runs ? history(vm) : progress(vm));
  };
  model.on('change:view_model', draw);
  draw();
}

export default { render };
