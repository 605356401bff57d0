// The operators' dashboard (docs/www.md). Everything comes from the origin's
// admin and accounting APIs under /dashboard/api/v1/, with the session cookie;
// actions send the session's CSRF token in X-CSRF-Token. The page refreshes
// itself: streams and edges every 3 s, recordings, customers and keys every 10 s, the
// bandwidth charts every 30 s. Strings from the API go into the page only as
// text (textContent), never as HTML.
'use strict';

(function () {
  const API = '/dashboard/api/v1/';
  const FAST_MS = 3000, MID_MS = 10000, SLOW_MS = 30000;
  const MAX_PREVIEWS = 6;
  const D = (window.cdnDashboard = { csrf: null, viewers: {}, customers: [], errors: [] });
  const previews = new Map();   // stream name -> { video, hls }

  const $ = (id) => document.getElementById(id);
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === 'class') e.className = attrs[k];
      else if (k.startsWith('data-')) e.setAttribute(k, attrs[k]);
      else if (k === 'onclick') e.addEventListener('click', attrs[k]);
      else e[k] = attrs[k];
    }
    for (const kid of kids) {
      if (kid === null || kid === undefined) continue;
      e.appendChild(typeof kid === 'string' || typeof kid === 'number' ?
        document.createTextNode(String(kid)) : kid);
    }
    return e;
  }
  const pill = (cls, text) => h('span', { class: 'pill ' + cls }, text);

  function fmtBytes(n) {
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(n >= 100 ? 0 : 1) : n) + ' ' + u[i];
  }
  function fmtRate(bps) {
    if (!bps) return '—';
    return bps >= 1e6 ? (bps / 1e6).toFixed(2) + ' Mbit/s' : Math.round(bps / 1e3) + ' kbit/s';
  }
  function fmtDur(s) {
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }

  async function api(path, method, form) {
    const opts = { method: method || 'GET', headers: {}, credentials: 'same-origin' };
    if (opts.method !== 'GET') {
      opts.headers['X-CSRF-Token'] = D.csrf;
      opts.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      opts.body = new URLSearchParams(form || {}).toString();
    }
    const r = await fetch(API + path, opts);
    if (r.status === 401) {
      location.href = '/dashboard/login';
      throw new Error('logged out');
    }
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || 'HTTP ' + r.status);
    return body;
  }

  function stamp() {
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }
  function fail(where, e) {
    D.errors.push(where + ': ' + e.message);
    $('updated').textContent = where + ': ' + e.message;
  }

  // ---- live streams ---------------------------------------------------------------

  function previewFor(name) {
    let p = previews.get(name);
    if (p) return p;
    const video = h('video', { class: 'preview', muted: true, autoplay: true, playsInline: true });
    video.muted = true;
    p = { video, hls: null, playing: false };
    previews.set(name, p);
    return p;
  }
  function startPreview(name) {
    const p = previewFor(name);
    if (p.playing) return;
    p.playing = true;
    const src = '/hls/' + encodeURIComponent(name) + '/master.m3u8';
    if (typeof Hls !== 'undefined' && Hls.isSupported()) {
      p.hls = new Hls({ liveSyncDurationCount: 2, maxBufferLength: 10 });
      p.hls.on(Hls.Events.ERROR, (ev, data) => {
        if (data.fatal && data.type === Hls.ErrorTypes.MEDIA_ERROR) p.hls.recoverMediaError();
        else if (data.fatal) setTimeout(() => p.hls && p.hls.startLoad(), 2000);
      });
      p.hls.loadSource(src);
      p.hls.attachMedia(p.video);
    } else {
      p.video.src = src;
    }
    p.video.play().catch(() => {});
  }
  function dropPreview(name) {
    const p = previews.get(name);
    if (!p) return;
    if (p.hls) p.hls.destroy();
    p.video.removeAttribute('src');
    p.video.load();
    previews.delete(name);
  }

  async function refreshStreams() {
    const { streams } = await api('streams');
    const body = $('streams-body');
    const seen = new Set();
    let active = 0;
    for (const p of previews.values()) if (p.playing) active++;
    const live = streams.filter((s) => s.state === 'live' || s.state === 'waiting' || s.state === 'ended');
    if (!live.length) {
      body.replaceChildren(h('tr', {}, h('td', { colSpan: 9, class: 'empty' }, 'No live streams.')));
    } else {
      for (const row of body.querySelectorAll('tr:not([data-stream])')) row.remove();
    }
    for (const s of live) {
      seen.add(s.name);
      let tr = body.querySelector('tr[data-stream="' + CSS.escape(s.name) + '"]');
      if (!tr) {
        tr = h('tr', { 'data-stream': s.name });
        for (let i = 0; i < 9; i++) tr.appendChild(h('td'));
        tr.cells[0].appendChild(previewFor(s.name).video);
        body.appendChild(tr);
      }
      const p = previewFor(s.name);
      if (s.state === 'live' && !p.playing) {
        if (active < MAX_PREVIEWS) { startPreview(s.name); active++; } else if (!tr.cells[0].querySelector('button')) {
          tr.cells[0].appendChild(h('button', { class: 'secondary', onclick: (ev) => { ev.target.remove(); startPreview(s.name); } }, 'Preview'));
        }
      }
      const v = D.viewers[s.customer + '/' + s.name];
      const cells = [null,
        h('a', { href: '/watch/' + encodeURIComponent(s.name), target: '_blank', rel: 'noopener' }, s.name),
        s.customer, s.codecs || '—', s.width ? s.width + '×' + s.height : '—',
        fmtRate(s.bitrate_bps), fmtDur(s.uptime_s), v === undefined ? '—' : String(v),
        pill(s.state, s.state)];
      for (const i of [2, 3, 5]) tr.cells[i].className = 'optional';
      for (let i = 1; i < 9; i++) {
        const c = cells[i];
        tr.cells[i].replaceChildren(typeof c === 'string' ? document.createTextNode(c) : c);
      }
      tr.cells[7].className = 'num viewers';
    }
    for (const tr of body.querySelectorAll('tr[data-stream]')) {
      const name = tr.getAttribute('data-stream');
      if (!seen.has(name)) { dropPreview(name); tr.remove(); }
    }
  }

  // ---- edges -------------------------------------------------------------------------

  async function drain(name, on, btn) {
    btn.disabled = true;
    try {
      await api('edges/' + encodeURIComponent(name) + '/' + (on ? 'drain' : 'undrain'), 'POST');
      setTimeout(() => refreshEdges().catch((e) => fail('edges', e)), 400);
    } catch (e) {
      fail('drain ' + name, e);
      btn.disabled = false;
    }
  }

  async function refreshEdges() {
    const { edges } = await api('edges');
    const body = $('edges-body');
    if (!edges.length) {
      body.replaceChildren(h('tr', {}, h('td', { colSpan: 7, class: 'empty' },
        'No edges configured (origin setting: edge NAME URL [ANNOUNCE_SOCKET]).')));
      return;
    }
    body.replaceChildren(...edges.map((e) => {
      const a = e.announce;
      let ann;
      if (!a) ann = h('span', { class: 'empty' }, 'no announcer');
      else if (!a.reachable) ann = pill('bad', 'announcer unreachable');
      else {
        // "announced" is the announcer's intent; routers hear it only over an established peer.
        const heard = a.peers_established > 0;
        ann = h('span', {},
          !a.announced ? pill('withdrawn', a.draining ? 'withdrawn (drained)' : 'withdrawn') :
            !heard ? pill('warn', 'no peer up') :
              pill(a.draining ? 'draining' : 'announced', a.draining ? 'announced, draining' : 'announced'),
          ' ', h('span', { class: 'hint' }, a.peers_established + '/' + a.peers + ' peers up'));
      }
      const draining = e.draining || (a && a.draining);
      const btn = h('button', {
        class: draining ? 'secondary' : 'danger',
        'data-action': draining ? 'undrain' : 'drain',
        disabled: !a,
        title: a ? '' : 'no announce socket configured for this edge',
      }, draining ? 'Undrain' : 'Drain');
      btn.addEventListener('click', () => drain(e.name, !draining, btn));
      return h('tr', { 'data-edge': e.name, 'data-health': e.health },
        h('td', {}, h('strong', {}, e.name), h('br'), h('span', { class: 'hint' }, e.url)),
        h('td', { class: 'health' }, pill(e.health, e.health), e.error ? h('div', { class: 'hint' }, e.error) : null),
        h('td', { class: 'announce' }, ann),
        h('td', { class: 'num' }, e.hit_ratio === null ? '—' : (e.hit_ratio * 100).toFixed(1) + ' %'),
        h('td', { class: 'num' }, fmtBytes(e.bytes_out)),
        h('td', { class: 'num optional' }, fmtBytes(e.cache_bytes)),
        h('td', {}, btn));
    }));
  }

  // ---- recordings (docs/dvr.md) ------------------------------------------------------------

  const utc = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

  async function refreshRecordings() {
    const { recordings } = await api('recordings');
    const body = $('recordings-body');
    if (!recordings.length) {
      body.replaceChildren(h('tr', {}, h('td', { colSpan: 6, class: 'empty' },
        'No recordings (cdnctl stream record --customer C --stream S on).')));
      return;
    }
    body.replaceChildren(...recordings.map((r) => {
      const del = h('button', { class: 'danger', 'data-action': 'delete' }, 'Delete');
      del.addEventListener('click', async () => {
        if (!confirm('Delete the recording of ' + r.stream + ' that ended ' + utc(r.ended_ms) + '?')) return;
        del.disabled = true;
        try {
          await api('recordings/' + encodeURIComponent(r.stream) + '/' + encodeURIComponent(r.id) + '/delete', 'POST');
          await refreshRecordings();
        } catch (e) { fail('delete recording', e); del.disabled = false; }
      });
      const watch = '/watch/' + encodeURIComponent(r.stream) + '?vod=' + encodeURIComponent(r.id);
      return h('tr', { 'data-recording': r.id, 'data-rec-stream': r.stream },
        h('td', {}, h('a', { href: watch, target: '_blank', rel: 'noopener', class: 'watch' }, r.stream)),
        h('td', { class: 'optional' }, r.customer),
        h('td', { class: 'num' }, fmtDur(Math.round(r.duration_ms / 1000))),
        h('td', {}, utc(r.ended_ms)),
        h('td', { class: 'optional' }, utc(r.expires_ms)),
        h('td', {}, del));
    }));
  }

  // ---- customers: bandwidth, 95th percentile, stream keys -----------------------------

  function monthStart() {
    const d = new Date();
    return d.getUTCFullYear() + '-' + String(d.getUTCMonth() + 1).padStart(2, '0') + '-01';
  }
  const today = () => new Date().toISOString().slice(0, 10);

  function customerCard(name) {
    const box = $('customers-body');
    let card = box.querySelector('.customer[data-customer="' + CSS.escape(name) + '"]');
    if (card) return card;
    const form = h('form', { class: 'inline' },
      h('input', { type: 'text', name: 'stream', placeholder: 'stream name', required: true, pattern: '[A-Za-z0-9._~-]+' }),
      h('button', { type: 'submit' }, 'Create stream key'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      createKey(name, form.elements.stream.value, card).catch((e) => fail('key', e));
    });
    card = h('div', { class: 'customer', 'data-customer': name },
      h('h3', {}, name),
      h('div', { class: 'figures' }),
      h('div', { class: 'chart' }),
      h('div', { class: 'newkey-slot' }),
      h('div', { class: 'keys' }),
      form);
    box.appendChild(card);
    return card;
  }

  async function createKey(customer, stream, card) {
    const k = await api('keys', 'POST', { customer, stream });
    const copy = (text) => h('button', { type: 'button', class: 'secondary', onclick: (ev) => {
      const done = () => { ev.target.textContent = 'Copied'; };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done);
      else { const t = h('textarea', { value: text }); document.body.appendChild(t); t.select(); try { document.execCommand('copy'); done(); } catch (e) { /* shown anyway */ } t.remove(); }
    } }, 'Copy');
    card.querySelector('.newkey-slot').replaceChildren(h('div', { class: 'newkey' },
      h('div', {}, 'New key for ', h('strong', {}, k.stream), ': shown once, copy it now.'),
      h('div', {}, 'RTMP URL ', h('span', { class: 'secret rtmp-url' }, k.rtmp_url), ' ', copy(k.rtmp_url)),
      h('div', {}, 'Stream key ', h('span', { class: 'secret stream-key' }, k.key), ' ', copy(k.key))));
    await refreshKeys(customer, card);
  }

  // A stream's DVR window and recording (docs/dvr.md) as its next publish
  // gets them (its own setting, else the origin's default).
  const DVR_CHOICES = [['0', 'DVR off'], ['5m', 'DVR 5 min'], ['30m', 'DVR 30 min'],
    ['1h', 'DVR 1 h'], ['2h', 'DVR 2 h'], ['6h', 'DVR 6 h']];
  function dvrControl(customer, k, card) {
    const w = k.dvr_window_s || 0;
    const cur = w === 0 ? '0' : w % 3600 === 0 ? (w / 3600) + 'h' : w % 60 === 0 ? (w / 60) + 'm' : w + 's';
    const choices = DVR_CHOICES.some((c) => c[0] === cur) ? DVR_CHOICES : DVR_CHOICES.concat([[cur, 'DVR ' + cur]]);
    const sel = h('select', { 'data-action': 'dvr', title: 'how far back viewers can seek, from the next publish' },
      ...choices.map((c) => h('option', { value: c[0], selected: c[0] === cur }, c[1])));
    sel.addEventListener('change', async () => {
      sel.disabled = true;
      try {
        await api('dvr', 'POST', { customer, stream: k.stream, window: sel.value });
        await refreshKeys(customer, card);
      } catch (e) { fail('DVR ' + k.stream, e); sel.disabled = false; }
    });
    return sel;
  }
  function recordControl(customer, k, card) {
    const box = h('input', { type: 'checkbox', checked: k.record === true, 'data-action': 'record' });
    box.addEventListener('change', async () => {
      box.disabled = true;
      try {
        await api('dvr', 'POST', { customer, stream: k.stream, record: box.checked ? 'on' : 'off' });
        await refreshKeys(customer, card);
      } catch (e) { fail('recording ' + k.stream, e); box.disabled = false; }
    });
    return h('label', { title: 'keep each event as a VOD playlist, from the next publish' }, box, ' rec');
  }

  async function refreshKeys(customer, card) {
    const { keys } = await api('keys?customer=' + encodeURIComponent(customer));
    const rows = keys.filter((k) => !k.revoked_at).map((k) => {
      const rv = h('button', { class: 'danger', 'data-action': 'revoke' }, 'Revoke');
      rv.addEventListener('click', async () => {
        if (!confirm('Revoke the key of ' + k.stream + '? A live publisher on it is dropped.')) return;
        rv.disabled = true;
        try { await api('keys/' + k.id + '/revoke', 'POST'); await refreshKeys(customer, card); } catch (e) { fail('revoke', e); rv.disabled = false; }
      });
      return h('tr', { 'data-key': String(k.id) },
        h('td', {}, k.stream), h('td', {}, '…' + k.hint),
        h('td', { class: 'optional' }, new Date(k.created_at * 1000).toISOString().slice(0, 16).replace('T', ' ')),
        h('td', { class: 'settings' }, dvrControl(customer, k, card), ' ', recordControl(customer, k, card)),
        h('td', {}, rv));
    });
    card.querySelector('.keys').replaceChildren(rows.length ?
      h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Stream'), h('th', {}, 'Key'), h('th', { class: 'optional' }, 'Created (UTC)'), h('th', {}, 'DVR · recording'), h('th'))),
        h('tbody', {}, ...rows)) :
      h('p', { class: 'empty' }, 'No stream keys.'));
  }

  async function refreshReport(customer, card) {
    const q = 'customer=' + encodeURIComponent(customer);
    const month = await api('report?' + q + '&from=' + monthStart() + '&to=' + today() + '&series=1');
    const r = month.report;
    card.querySelector('.figures').replaceChildren(
      h('span', {}, 'Month to date: ', h('strong', {}, fmtBytes(r.bytes_out)), ' out, ', fmtBytes(r.bytes_in), ' in'),
      h('span', {}, '95th percentile: ', h('strong', { class: 'p95' }, r.p95_mbps.toFixed(3) + ' Mbit/s')),
      h('span', {}, 'peak ', r.peak_mbps.toFixed(3) + ' Mbit/s'));
    card.querySelector('.chart').replaceChildren(window.cdnChart(r.series || [], r.p95_mbps, month.bucket_s));
    // Viewers now: the busiest 5-minute bucket of the last ten minutes.
    const now = Math.floor(Date.now() / 1000);
    const recent = await api('report?' + q + '&from=' + (now - 600) + '&to=' + (now + 1));
    for (const s of recent.streams || []) D.viewers[customer + '/' + s.stream] = s.peak_viewers;
  }

  async function refreshCustomers(withReports) {
    const { customers } = await api('customers');
    D.customers = customers.filter((c) => !c.revoked_at).map((c) => c.name);
    const box = $('customers-body');
    if (!D.customers.length) box.replaceChildren(h('p', { class: 'empty' }, 'No customers yet (cdnctl customer add NAME).'));
    else for (const p of box.querySelectorAll('p.empty')) p.remove();
    for (const c of D.customers) {
      const card = customerCard(c);
      await refreshKeys(c, card);
      if (withReports || !card.querySelector('svg')) await refreshReport(c, card);
    }
  }

  function every(ms, fn, name) {
    const run = () => fn().then(stamp, (e) => fail(name, e)).finally(() => setTimeout(run, ms));
    run();
  }

  async function main() {
    const r = await fetch('/dashboard/api/session', { credentials: 'same-origin' });
    if (!r.ok) { location.href = '/dashboard/login'; return; }
    D.csrf = (await r.json()).csrf;
    $('logout-csrf').value = D.csrf;
    every(FAST_MS, refreshStreams, 'streams');
    every(FAST_MS, refreshEdges, 'edges');
    every(MID_MS, refreshRecordings, 'recordings');
    let n = 0;
    every(MID_MS, () => refreshCustomers(n++ % (SLOW_MS / MID_MS) === 0), 'customers');
  }
  main().catch((e) => fail('start', e));
})();
