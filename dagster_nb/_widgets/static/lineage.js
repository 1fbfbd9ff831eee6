// Lineage widget view. Reads only synced traitlets: view_model, svg, detail, selection,
// selection_error, message, busy, render_error. Writes: selection, selected_key, action.
function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function fmtTime(ts) {
  if (ts === null || ts === undefined) return '';
  return new Date(ts * 1000).toLocaleString();
}

function render({ model, el }) {
  el.classList.add('dnb-lineage');
  const bar = h('div', 'dnb-toolbar');
  const input = h('input', 'dnb-selection');
  input.type = 'text';
  input.placeholder = 'selection, e.g. +key:"revenue" or group:raw (Enter to focus)';
  input.value = model.get('selection') || '';
  const focusBtn = h('button', 'dnb-btn', 'Focus');
  const clearBtn = h('button', 'dnb-btn', 'All');
  const fitBtn = h('button', 'dnb-btn', 'Fit');
  const zoomIn = h('button', 'dnb-btn', '+');
  const zoomOut = h('button', 'dnb-btn', '\u2212');
  const summary = h('span', 'dnb-summary');
  bar.append(input, focusBtn, clearBtn, fitBtn, zoomOut, zoomIn, summary);
  const err = h('div', 'dnb-error');
  const msg = h('div', 'dnb-message');
  const legend = h('div', 'dnb-legend');
  const body = h('div', 'dnb-body');
  const viewport = h('div', 'dnb-viewport');
  const canvas = h('div', 'dnb-canvas');
  viewport.appendChild(canvas);
  const panel = h('div', 'dnb-detail');
  body.append(viewport, panel);
  el.append(bar, err, legend, body, msg);

  // --- selection box ---
  const submit = () => { model.set('selection', input.value); model.save_changes(); };
  input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') submit(); });
  focusBtn.addEventListener('click', submit);
  clearBtn.addEventListener('click', () => { input.value = ''; submit(); });

  // --- zoom and pan: a CSS transform on the canvas ---
  let scale = 1, tx = 0, ty = 0;
  const apply = () => { canvas.style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`; };
  const svgSize = () => {
    const svg = canvas.querySelector('svg');
    if (!svg) return null;
    const vb = svg.viewBox && svg.viewBox.baseVal;
    if (vb && vb.width) return { w: vb.width * 4 / 3, h: vb.height * 4 / 3 };
    return { w: svg.clientWidth || 1, h: svg.clientHeight || 1 };
  };
  const fit = () => {
    const s = svgSize();
    if (!s) return;
    const W = viewport.clientWidth || 800, H = viewport.clientHeight || 480;
    scale = Math.min(1.25, W / s.w, H / s.h);
    tx = (W - s.w * scale) / 2; ty = (H - s.h * scale) / 2;
    apply();
  };
  // A large graph fitted whole is unreadable: start at a readable scale at its top-left
  // corner instead, and say how to move around ("Fit" still shows everything).
  const hint = h('div', 'dnb-hint');
  hint.style.display = 'none';
  bar.after(hint);
  const firstView = () => {
    fit();
    if (scale >= 0.35) return;
    scale = 0.6; tx = 8; ty = 8; apply();
    const n = ((model.get('view_model') || {}).nodes || []).length;
    hint.textContent = `${n} assets: scroll to zoom, drag to pan, Fit for the whole graph, or type a selection (e.g. group:name or +key:"asset") to focus.`;
    hint.style.display = '';
  };
  const zoomAt = (factor, cx, cy) => {
    const ns = Math.min(8, Math.max(0.05, scale * factor));
    tx = cx - (cx - tx) * (ns / scale); ty = cy - (cy - ty) * (ns / scale); scale = ns; apply();
  };
  viewport.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const r = viewport.getBoundingClientRect();
    zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  zoomIn.addEventListener('click', () => zoomAt(1.25, viewport.clientWidth / 2, viewport.clientHeight / 2));
  zoomOut.addEventListener('click', () => zoomAt(0.8, viewport.clientWidth / 2, viewport.clientHeight / 2));
  fitBtn.addEventListener('click', fit);
  let drag = null;
  viewport.addEventListener('pointerdown', (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, tx, ty, moved: false };
  });
  window.addEventListener('pointermove', (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) { tx = drag.tx + dx; ty = drag.ty + dy; apply(); viewport.classList.add('dnb-dragging'); }
  });
  window.addEventListener('pointerup', (ev) => {
    if (!drag) return;
    const moved = drag.moved;
    drag = null;
    viewport.classList.remove('dnb-dragging');
    if (moved) return;
    const g = ev.target && ev.target.closest ? ev.target.closest('g.dnb-asset') : null;
    if (!g || !viewport.contains(g)) return;
    const node = (model.get('view_model').nodes || []).find((n) => n.id === g.id);
    if (node) { model.set('selected_key', node.key); model.save_changes(); }
  });

  // --- drawing from the synced state ---
  let first = true;
  let lastNodes = '';
  const markSelected = () => {
    const key = model.get('selected_key');
    const node = (model.get('view_model').nodes || []).find((n) => n.key === key);
    canvas.querySelectorAll('g.dnb-selected').forEach((g) => g.classList.remove('dnb-selected'));
    if (node) {
      const g = canvas.querySelector(`g[id="${node.id}"]`);
      if (g) g.classList.add('dnb-selected');
    }
  };
  const drawSvg = () => {
    const re = model.get('render_error');
    canvas.innerHTML = model.get('svg') || '';
    if (re) { canvas.appendChild(h('pre', 'dnb-error', re)); }
    markSelected();
    // Re-frame when the graph itself changed (first draw, a focus, added or removed assets);
    // a status update keeps the user's zoom and pan.
    const nodes = ((model.get('view_model') || {}).nodes || []).map((x) => x.id).join(',');
    if (canvas.querySelector('svg') && (first || nodes !== lastNodes)) {
      first = false;
      hint.style.display = 'none';
      requestAnimationFrame(firstView);
    }
    lastNodes = nodes;
  };
  const drawVm = () => {
    const vm = model.get('view_model') || {};
    const counts = vm.counts || {};
    const n = (vm.nodes || []).length;
    summary.textContent = `${n} of ${vm.total_assets || 0} assets`;
    legend.innerHTML = '';
    const st = vm.statuses || {};
    Object.keys(st).forEach((s) => {
      if (!counts[s]) return;
      const item = h('span', 'dnb-legend-item');
      const sw = h('span', 'dnb-swatch');
      sw.style.background = st[s].fill; sw.style.borderColor = st[s].border;
      item.append(sw, document.createTextNode(`${st[s].label} ${counts[s]}`));
      legend.appendChild(item);
    });
  };
  const drawMessages = () => {
    err.textContent = model.get('selection_error') || '';
    err.style.display = err.textContent ? '' : 'none';
    msg.textContent = (model.get('busy') ? '\u23f3 ' : '') + (model.get('message') || '');
    msg.style.display = msg.textContent ? '' : 'none';
  };
  const action = (kind, key, extra) => {
    model.set('action', Object.assign({ kind, key, nonce: Date.now() + Math.random() }, extra || {}));
    model.save_changes();
  };
  // The launch dialog of a partitioned run: one partition, a range, or the missing ones.
  let openPicker = null;  // the button kind whose picker is open
  const picker = (kind, key, p) => {
    const box = h('div', 'dnb-picker');
    box.dataset.kind = kind;
    box.appendChild(h('div', 'dnb-hint', `${p.assets.join(', ')}: ${p.definition}`));
    const choice = (value, text, checked) => {
      const lab = h('label');
      const r = h('input'); r.type = 'radio'; r.name = `dnb-pick-${kind}`; r.value = value; r.checked = !!checked;
      lab.append(r, document.createTextNode(' ' + text));
      return [lab, r];
    };
    const keyInput = (value) => {
      if (p.keys) {
        const sel = h('select');
        p.keys.slice().reverse().forEach((k) => { const o = h('option', null, k); o.value = k; sel.appendChild(o); });
        sel.value = value;
        return sel;
      }
      const inp = h('input'); inp.type = 'text'; inp.value = value || ''; return inp;
    };
    const [l1, r1] = choice('one', 'one partition ', true);
    const one = keyInput(p.default); l1.appendChild(one);
    const [l2, r2] = choice('range', 'range ');
    const start = keyInput(p.first), end = keyInput(p.last);
    l2.append(start, document.createTextNode(' \u2026 '), end);
    const [l3, r3] = choice('missing', `missing only (${p.missing} of ${p.total})`);
    [one, start, end].forEach((x, i) => x.addEventListener('focus', () => { (i === 0 ? r1 : r2).checked = true; }));
    box.append(l1, l2, l3);
    const go = h('button', 'dnb-btn dnb-primary', 'Launch run');
    const cancel = h('button', 'dnb-btn', 'Cancel');
    go.disabled = !!model.get('busy');
    go.onclick = () => {
      openPicker = null;
      if (r1.checked) action(kind, key, { partition: one.value });
      else if (r2.checked) action(kind, key, { range: [start.value, end.value] });
      else action(kind, key, { missing_only: true });
    };
    cancel.onclick = () => { openPicker = null; drawDetail(); };
    const row = h('div', 'dnb-actions'); row.append(go, cancel);
    box.appendChild(row);
    return box;
  };
  const failureBox = (d) => {
    const f = d.failure;
    if (!f) return null;
    const box = h('div', f.kind === 'failed' ? 'dnb-failure' : 'dnb-failure dnb-not-run');
    const when = `${fmtTime(f.timestamp)} \u00b7 run ${String(f.run_id || '').slice(0, 8)}`;
    if (f.kind === 'failed') {
      box.appendChild(h('b', null, `Failed ${when}`));
      const err = f.error;
      if (err) {
        box.appendChild(h('div', 'dnb-failure-msg', err.message));
        if ((err.frames || []).length) box.appendChild(h('pre', null, err.frames.join('\n')));
      } else box.appendChild(h('div', null, f.message || ''));
    } else {
      const ups = f.upstream_failed || [];
      box.appendChild(h('b', null, `Not run ${when}`));
      box.appendChild(h('div', null, ups.length ? `upstream ${ups.join(', ')} failed, so this asset was not run.`
        : (f.message || 'the run ended before this asset ran.')));
    }
    return box;
  };
  const table = (headers, rows) => {
    const t = h('table', 'dnb-table');
    const tr = h('tr');
    headers.forEach((x) => tr.appendChild(h('th', null, x)));
    t.appendChild(tr);
    rows.forEach((r) => {
      const row = h('tr');
      r.forEach((c) => {
        if (c instanceof Node) { const td = h('td'); td.appendChild(c); row.appendChild(td); }
        else row.appendChild(h('td', null, c));
      });
      t.appendChild(row);
    });
    return t;
  };
  let detailKey = null;
  const drawDetail = () => {
    const d = model.get('detail') || {};
    if (d.key !== detailKey) { openPicker = null; detailKey = d.key; }
    panel.innerHTML = '';
    if (!d.key) { panel.appendChild(h('div', 'dnb-hint', 'Click an asset to see its details.')); return; }
    const title = h('div', 'dnb-title');
    const label = ((model.get('view_model') || {}).statuses || {})[d.status];
    const badge = h('span', `dnb-badge dnb-status-${d.status}`, label ? label.label : d.status);
    title.append(h('b', null, d.key), document.createTextNode(' '), badge);
    panel.appendChild(title);
    const btns = h('div', 'dnb-actions');
    if (d.is_materializable) {
      const b1 = h('button', 'dnb-btn dnb-primary', 'Materialize');
      const b2 = h('button', 'dnb-btn', '+ upstream');
      const b3 = h('button', 'dnb-btn', '+ downstream');
      const pickers = d.pickers || {};
      [[b1, 'materialize'], [b2, 'upstream'], [b3, 'downstream']].forEach(([b, kind]) => {
        b.dataset.kind = kind;
        const p = pickers[kind];
        if (p && !p.error) b.textContent += ' \u2026';  // opens the partition picker
        b.onclick = () => {
          if (p && !p.error) { openPicker = openPicker === kind ? null : kind; drawDetail(); }
          else action(kind, d.key);
        };
      });
      [b1, b2, b3].forEach((b) => { b.disabled = !!model.get('busy'); });
      btns.append(b1, b2, b3);
    }
    const close = h('button', 'dnb-btn dnb-close', '\u00d7');
    close.title = 'close';
    close.onclick = () => { openPicker = null; model.set('selected_key', ''); model.save_changes(); };
    title.prepend(close);
    if (btns.childNodes.length) panel.appendChild(btns);
    const pk = openPicker && (d.pickers || {})[openPicker];
    if (pk && !pk.error) panel.appendChild(picker(openPicker, d.key, pk));
    const fb = failureBox(d);
    if (fb) panel.appendChild(fb);
    if (d.description) panel.appendChild(h('p', 'dnb-desc', d.description));
    const facts = [['group', d.group], ['kinds', (d.kinds || []).join(', ')],
      ['code version', d.code_version], ['upstream', (d.parents || []).join(', ')],
      ['downstream', (d.children || []).join(', ')], ['partitions', d.partitions_def]];
    const dl = h('div', 'dnb-facts');
    facts.forEach(([k, v]) => { if (v) { const r = h('div'); r.append(h('b', null, `${k}: `), document.createTextNode(v)); dl.appendChild(r); } });
    if (d.partitions) dl.appendChild(h('div', null, `${d.partitions.materialized}/${d.partitions.total} partitions materialized, ${d.partitions.failed} failed`));
    panel.appendChild(dl);
    if ((d.stale_causes || []).length) {
      panel.appendChild(h('div', 'dnb-section', 'Stale because'));
      const ul = h('ul');
      d.stale_causes.forEach((c) => ul.appendChild(h('li', null, c)));
      panel.appendChild(ul);
    }
    if (d.checks && d.checks.items.length) {
      // latest evaluation of each asset check (view model: checks.items)
      panel.appendChild(h('div', 'dnb-section', `Checks (${d.checks.total})`));
      panel.appendChild(table(['check', 'status', 'evaluated', 'description'], d.checks.items.map((c) => [
        c.name + (c.blocking ? ' (blocking)' : ''),
        h('span', `dnb-check dnb-check-${c.status}`, c.status.replace('_', ' ')),
        c.timestamp ? fmtTime(c.timestamp) : '', c.description || ''])));
    }
    const last = d.last_materialization;
    panel.appendChild(h('div', 'dnb-section', 'Last materialization'));
    if (last) {
      panel.appendChild(h('div', null, `${fmtTime(last.timestamp)} \u00b7 run ${String(last.run_id || '').slice(0, 8)}${last.partition ? ' \u00b7 ' + last.partition : ''}`));
      if ((last.metadata || []).length) panel.appendChild(table(['metadata', 'value'], last.metadata.map((m) => [m.label, m.text])));
    } else {
      panel.appendChild(h('div', 'dnb-hint', 'never'));
    }
    const hist = d.history || [];
    if (hist.length > 1) {
      const labels = [];
      hist.forEach((x) => (x.metadata || []).forEach((m) => { if (!labels.includes(m.label)) labels.push(m.label); }));
      panel.appendChild(h('div', 'dnb-section', `History (${hist.length})`));
      panel.appendChild(table(['time', 'partition', ...labels], hist.map((x) => {
        const md = {}; (x.metadata || []).forEach((m) => { md[m.label] = m.text; });
        return [fmtTime(x.timestamp), x.partition || '', ...labels.map((l) => md[l] || '')];
      })));
    }
    if (d.value_html || d.value_error) {
      panel.appendChild(h('div', 'dnb-section', 'Value'));
      const v = h('div', 'dnb-value');
      if (d.value_html) v.innerHTML = d.value_html; // built and escaped in the kernel
      else v.appendChild(h('div', 'dnb-hint', d.value_error));
      panel.appendChild(v);
    }
  };
  model.on('change:svg', drawSvg);
  model.on('change:render_error', drawSvg);
  model.on('change:view_model', drawVm);
  model.on('change:selected_key', markSelected);
  model.on('change:detail', drawDetail);
  model.on('change:busy', () => { drawMessages(); drawDetail(); });
  model.on('change:selection_error', drawMessages);
  model.on('change:message', drawMessages);
  model.on('change:selection', () => { if (document.activeElement !== input) input.value = model.get('selection') || ''; });
  drawVm(); drawSvg(); drawDetail(); drawMessages();
}

export default { render };
