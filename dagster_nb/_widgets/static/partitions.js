// Partition status view: a strip (1-D) or a grid (multi-partitions), drawn from view_model.
// Writes `range` (the range the user selected) and `action` ({kind: "backfill", nonce}).
const COLORS = { materialized: '#16a34a', failed: '#dc2626', in_progress: '#2563eb', missing: 'var(--jp-layout-color3, #e5e7eb)' };

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function render({ model, el }) {
  el.classList.add('dnb-partitions');
  const head = h('div', 'dnb-p-head');
  const body = h('div', 'dnb-p-body');
  const foot = h('div', 'dnb-p-foot');
  const sel = h('span', 'dnb-p-sel');
  const btn = h('button', 'dnb-btn dnb-primary', 'Materialize range');
  const missingBtn = h('button', 'dnb-btn', 'Materialize missing');
  const msg = h('div', 'dnb-message');
  foot.append(sel, btn, missingBtn);
  el.append(head, body, foot, msg);
  btn.onclick = () => { model.set('action', { kind: 'backfill', nonce: Date.now() + Math.random() }); model.save_changes(); };
  missingBtn.onclick = () => { model.set('action', { kind: 'backfill_missing', nonce: Date.now() + Math.random() }); model.save_changes(); };

  let anchor = null; // first click of a shift-click range: {row, index}
  const keyAt = (vm, rowKey, index) => {
    const keys = vm.dimensions === 1 ? vm.keys : (vm.column_dimension || {}).keys;
    if (keys) return keys[index];
    const ranges = vm.dimensions === 1 ? vm.ranges : (vm.grid.find((r) => r.key === rowKey) || {}).ranges || [];
    const r = ranges.find((x) => x.start_index <= index && index <= x.end_index);
    if (!r) return null;
    if (index === r.start_index) return r.start;
    if (index === r.end_index) return r.end;
    return null;
  };
  const choose = (vm, rowKey, r, index, shift) => {
    // A click picks the whole run under the pointer; shift-click extends from the last click.
    let start = r.start, end = r.end;
    const k = index !== null ? keyAt(vm, rowKey, index) : null;
    if (shift && anchor && anchor.row === rowKey && k !== null) {
      const a = anchor, b = { index, key: k };
      const [lo, hi] = a.index <= b.index ? [a, b] : [b, a];
      start = lo.key; end = hi.key;
    } else if (k !== null && (vm.total <= 2000 || (vm.column_dimension || {}).total <= 2000)) {
      start = k; end = k;
      anchor = { row: rowKey, index, key: k };
    } else {
      anchor = { row: rowKey, index: r.start_index, key: r.start };
    }
    model.set('range', { row: rowKey, start, end });
    model.save_changes();
  };
  const strip = (vm, rowKey, ranges, total) => {
    const s = h('div', 'dnb-p-strip');
    ranges.forEach((r) => {
      const seg = h('div', `dnb-p-seg dnb-p-${r.status}`);
      seg.style.flexGrow = String(r.count);
      seg.style.background = COLORS[r.status] || COLORS.missing;
      seg.title = `${r.start}${r.count > 1 ? ' \u2026 ' + r.end : ''}: ${r.status.replace('_', ' ')} (${r.count})`;
      seg.addEventListener('click', (ev) => {
        const rect = seg.getBoundingClientRect();
        const frac = rect.width ? (ev.clientX - rect.left) / rect.width : 0;
        const index = r.start_index + Math.min(r.count - 1, Math.floor(frac * r.count));
        choose(vm, rowKey, r, index, ev.shiftKey);
      });
      s.appendChild(seg);
    });
    return s;
  };
  const draw = () => {
    const vm = model.get('view_model') || {};
    head.innerHTML = '';
    body.innerHTML = '';
    if (!vm.counts) return;
    const c = vm.counts;
    head.append(h('b', null, model.get('asset_key') + ' '),
      document.createTextNode(`${vm.total.toLocaleString()} partitions: ` +
        Object.keys(c).filter((s) => c[s]).map((s) => `${c[s].toLocaleString()} ${s.replace('_', ' ')}`).join(', ')));
    if (vm.dimensions === 1) {
      body.appendChild(strip(vm, null, vm.ranges, vm.total));
      const axis = h('div', 'dnb-p-axis');
      if (vm.ranges.length) {
        axis.append(h('span', null, vm.ranges[0].start), h('span', null, vm.ranges[vm.ranges.length - 1].end));
      }
      body.appendChild(axis);
    } else {
      const grid = h('div', 'dnb-p-grid');
      vm.grid.forEach((row) => {
        const line = h('div', 'dnb-p-row');
        line.append(h('span', 'dnb-p-rowkey', row.key), strip(vm, row.key, row.ranges, vm.column_dimension.total));
        grid.appendChild(line);
      });
      body.appendChild(grid);
      body.appendChild(h('div', 'dnb-p-axis', `rows: ${vm.row_dimension.name} \u00b7 columns: ${vm.column_dimension.name}`));
    }
    drawSel();
  };
  const drawSel = () => {
    const r = model.get('range') || {};
    sel.textContent = r.start ? `selected: ${r.row ? r.row + ' \u00b7 ' : ''}${r.start}${r.end !== r.start ? ' \u2026 ' + r.end : ''}` : 'click a range (shift-click to extend)';
    btn.disabled = !r.start || !!model.get('busy');
    missingBtn.disabled = !!model.get('busy');
    msg.textContent = (model.get('busy') ? '\u23f3 ' : '') + (model.get('message') || '');
  };
  model.on('change:view_model', draw);
  model.on('change:range', drawSel);
  model.on('change:busy', drawSel);
  model.on('change:message', drawSel);
  draw();
}

export default { render };
