// Automation: schedules/sensors (status, next tick, last ticks, runs) and per-asset condition
// trees, drawn from view_model (schema dagster_nb.automation/1).
const COLORS = { SUCCESS: '#16a34a', SKIPPED: '#64748b', FAILURE: '#dc2626', STARTED: '#2563eb',
  RUNNING: '#16a34a', PASS: '#16a34a', WARN: '#d97706', FAIL: '#dc2626', UNKNOWN: '#94a3b8', REQUESTED: '#2563eb', STOPPED: '#94a3b8', FAILED: '#dc2626', NOT_STARTED: '#94a3b8', CANCELED: '#64748b' };

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
const badge = (s) => { const b = h('span', 'dnb-a-badge', s); const c = COLORS[s] || '#475569'; b.style.borderColor = c; b.style.color = c; return b; };
const when = (ts) => (ts === null || ts === undefined ? '' : new Date(ts * 1000).toISOString().replace('T', ' ').slice(0, 19));

function instigatorRow(i) {
  const name = h('span');
  name.append(h('b', null, i.name), document.createTextNode(' '), h('span', 'dnb-a-kind', i.kind));
  const what = i.schedule ? `${i.schedule} (${i.timezone})` : (i.interval !== null ? `every ${i.interval} s` : '');
  const ticks = h('span');
  (i.ticks || []).forEach((t) => {
    const line = h('span', 'dnb-a-tick');
    line.append(document.createTextNode(when(t.tick_ts) + ' '), badge(t.status));
    if (t.run_ids.length) line.append(document.createTextNode(` ${t.run_ids.length} run(s) ` + t.run_ids.map((r) => r.slice(0, 8)).join(', ')));
    if (t.skip_reason) line.append(h('span', 'dnb-a-why', ' ' + t.skip_reason));
    if (t.error) { const e = h('span', 'dnb-a-err', ' ' + t.error); e.title = t.traceback || ''; line.append(e); }
    ticks.appendChild(line);
  });
  if (!(i.ticks || []).length) ticks.append(h('span', 'dnb-a-why', 'no ticks yet'));
  const runs = h('span');
  (i.runs || []).slice(0, 6).forEach((r) => { runs.append(h('code', null, r.run_id.slice(0, 8)), document.createTextNode(' '), badge(r.status), h('br')); });
  return [name, badge(i.status), what, h('span', 'dnb-a-nowrap', when(i.next_tick)), ticks, runs];
}

function table(headers, rows) {
  const t = h('table', 'dnb-a-table');
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

function tree(node) {
  const li = h('li');
  const ok = node.true > 0;
  li.append(h('span', ok ? 'dnb-a-t' : 'dnb-a-f', ok ? '✓ ' : '✗ '));
  const title = node.label ? `${node.label}` : node.name;
  li.append(h('span', 'dnb-a-n', title));
  if (node.label && node.label !== node.name) li.append(h('span', 'dnb-a-cnt', ` (${node.name})`));
  if (node.entity) li.append(h('span', 'dnb-a-cnt', ` on ${node.entity}`));
  li.append(h('span', 'dnb-a-cnt', ` ${node.true}/${node.candidates}`));
  if (node.children && node.children.length) {
    const ul = h('ul', 'dnb-a-tree');
    node.children.forEach((c) => ul.appendChild(tree(c)));
    li.appendChild(ul);
  }
  return li;
}

function render({ model, el }) {
  el.classList.add('dnb-auto');
  const draw = () => {
    const vm = model.get('view_model') || {};
    el.innerHTML = '';
    const loop = vm.loop || {};
    const head = h('div', 'dnb-a-head');
    head.append(h('b', null, 'Automation loop '), badge(loop.running ? 'RUNNING' : 'STOPPED'));
    if (loop.last_error) head.append(h('span', 'dnb-a-err', ' ' + loop.last_error));
    el.appendChild(head);
    el.appendChild(table(['schedule / sensor', 'status', 'when', 'next tick (UTC)', 'last ticks (UTC)', 'runs'],
      (vm.instigators || []).map(instigatorRow)));
    const fresh = vm.freshness || [];
    if (fresh.length) {
      el.appendChild(h('div', 'dnb-a-h', 'Freshness'));
      el.appendChild(table(['asset', 'state'], fresh.map((f) => [f.key, badge(f.state)])));
    }
    const assets = vm.assets || [];
    if (assets.length) {
      el.appendChild(h('div', 'dnb-a-h', 'Automation conditions (latest evaluation)'));
      assets.forEach((a) => {
        const d = h('details', 'dnb-a-asset');
        const s = h('summary');
        s.append(h('b', null, a.key), document.createTextNode(' '),
          a.requested.length ? badge('REQUESTED') : h('span', 'dnb-a-why', 'not requested'),
          h('span', 'dnb-a-cnt', ` via ${a.sensor}`));
        d.appendChild(s);
        const ul = h('ul', 'dnb-a-tree');
        ul.appendChild(tree(a.tree));
        d.appendChild(ul);
        if (a.requested.length || assets.length <= 4) d.open = true;
        el.appendChild(d);
      });
    }
  };
  model.on('change:view_model', draw);
  draw();
}

export default { render };
