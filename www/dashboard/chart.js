// cdnChart: an SVG chart of a 5-minute bandwidth series with its
// 95th-percentile line, built with DOM calls (no library, no innerHTML).
//   series: [[unix_s, bytes_out, bytes_in], ...] as /api/v1/report?series=1 gives
//   p95: the report's p95_mbps (the billing line)
//   bucketS: the report's bucket_s
'use strict';

window.cdnChart = function (series, p95, bucketS) {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 720, H = 200, L = 52, R = 8, T = 10, B = 24;
  const el = (name, attrs, text) => {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const mbps = series.map((s) => (s[1] * 8) / bucketS / 1e6);
  const max = Math.max(0.001, p95 || 0, ...mbps) * 1.1;
  // Axis in kbit/s below 1 Mbit/s, so small customers do not read 0.00.
  const small = max < 1;
  const unit = small ? 'kbit/s' : 'Mbit/s';
  const scale = small ? 1000 : 1;
  const label = (v) => { const u = v * scale; return u >= 10 ? u.toFixed(0) : u.toFixed(u >= 1 ? 1 : 2); };
  const n = Math.max(1, series.length - 1);
  const x = (i) => L + ((W - L - R) * i) / n;
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img',
    'aria-label': 'bandwidth, 5-minute samples, with the 95th percentile' });
  svg.classList.add('bw-chart');
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    svg.appendChild(el('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    svg.appendChild(el('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end' },
      label(v)));
  }
  svg.appendChild(el('text', { x: 4, y: T + 8 }, unit));
  if (series.length) {
    let d = '';
    mbps.forEach((v, i) => { d += (i ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1); });
    svg.appendChild(el('path', { class: 'area-out',
      d: d + 'L' + x(mbps.length - 1).toFixed(1) + ' ' + y(0) + 'L' + x(0) + ' ' + y(0) + 'Z' }));
    svg.appendChild(el('path', { class: 'line-out', d }));
    const fmt = (t) => new Date(t * 1000).toISOString().slice(5, 16).replace('T', ' ');
    svg.appendChild(el('text', { x: L, y: H - 6 }, fmt(series[0][0])));
    svg.appendChild(el('text', { x: W - R, y: H - 6, 'text-anchor': 'end' },
      fmt(series[series.length - 1][0]) + ' UTC'));
  }
  if (typeof p95 === 'number' && isFinite(p95)) {
    svg.appendChild(el('line', { class: 'line-p95', x1: L, x2: W - R, y1: y(p95), y2: y(p95) }));
    svg.appendChild(el('text', { x: W - R - 2, y: y(p95) - 4, 'text-anchor': 'end' },
      '95th percentile ' + p95.toFixed(3) + ' Mbit/s'));
  }
  return svg;
};
