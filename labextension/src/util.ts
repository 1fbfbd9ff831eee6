/** Small DOM and formatting helpers shared by the views. */

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') { el.className = v; } else { el.setAttribute(k, v); }
  }
  for (const c of children) {
    if (c === null || c === undefined) { continue; }
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) { el.setAttribute(k, String(v)); }
  return el;
}

/** "3 min ago", "2 h ago", else a date. */
export function ago(ts: number | null | undefined, now = Date.now() / 1000): string {
  if (ts === null || ts === undefined) { return '—'; }
  const d = Math.max(0, now - ts);
  if (d < 45) { return 'just now'; }
  if (d < 3600) { return `${Math.round(d / 60)} min ago`; }
  if (d < 86400) { return `${Math.round(d / 3600)} h ago`; }
  return new Date(ts * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

export function when(ts: number | null | undefined): string {
  if (ts === null || ts === undefined) { return '—'; }
  const d = new Date(ts * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function dur(sec: number | null | undefined): string {
  if (sec === null || sec === undefined) { return '—'; }
  if (sec < 1) { return `${Math.round(sec * 1000)} ms`; }
  if (sec < 60) { return `${sec.toFixed(sec < 10 ? 2 : 1)} s`; }
  const m = Math.floor(sec / 60);
  return `${m} min ${Math.round(sec - m * 60)} s`;
}

export const STATUS_LABEL: Record<string, string> = {
  fresh: 'fresh', stale: 'stale', missing: 'missing', running: 'running', failed: 'failed',
  source: 'source', external: 'external'
};

/** Selection text of exactly one key: key:"a/b". */
export function keySelection(key: string): string {
  return 'key:"' + key.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

export function checksText(c: { total: number; passed: number; failed: number; warning: number } | null): string {
  if (!c || !c.total) { return ''; }
  const parts = [];
  if (c.passed) { parts.push(`${c.passed} passed`); }
  if (c.failed) { parts.push(`${c.failed} failed`); }
  if (c.warning) { parts.push(`${c.warning} warning`); }
  const rest = c.total - c.passed - c.failed - c.warning;
  if (rest) { parts.push(`${rest} not run`); }
  return parts.join(', ');
}
