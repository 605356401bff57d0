// The viewer's player (docs/www.md):
// /watch/<stream>[?embed=1][&engine=native|hlsjs][&token=T][&vod=ID].
//
// With vod=ID it plays that finished recording of the stream
// (/hls/<stream>/vod-<ID>.m3u8, docs/dvr.md) from its start instead.
//
// It plays /hls/<stream>/master.m3u8 from the host that served the page (an
// edge, normally) with hls.js, or with the browser's own HLS where hls.js
// cannot run (Hls.isSupported() is checked first: Chromium also says "maybe"
// to canPlayType for HLS, FIELD-NOTES). It shows the stream's state (live,
// offline, ended), how far behind live the picture is, the bitrate and the
// rendition, and an embed snippet. It recovers by itself: hls.js errors are
// retried or recovered, a stalled picture restarts the player, and a stream
// that goes away and comes back is picked up again.
//
// window.cdnPlayer exposes the state for tests and for curious viewers.
'use strict';

(function () {
  const parts = location.pathname.split('/').filter(Boolean);
  const stream = decodeURIComponent(parts[1] || '');
  const params = new URLSearchParams(location.search);
  const embed = params.get('embed') === '1';
  const forced = params.get('engine');
  const enc = encodeURIComponent(stream);
  // A signed page (/watch/<stream>?token=..., docs/access.md) passes its token
  // on; the playlists it gets carry it into every segment URI themselves.
  const token = params.get('token');
  const tq = token ? '?token=' + encodeURIComponent(token) : '';
  const vodParam = params.get('vod');
  const vod = vodParam && /^[a-z0-9]{1,31}$/.test(vodParam) ? vodParam : null;
  const vodUrl = vod ? '/hls/' + enc + '/vod-' + vod + '.m3u8' + tq : null;
  const masterUrl = vodUrl || '/hls/' + enc + '/master.m3u8' + tq;
  const mediaUrl = vodUrl || '/hls/' + enc + '/index.m3u8' + tq;
  const POLL_MS = 2000;

  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const S = (window.cdnPlayer = {
    stream,
    engine: null,          // 'hls.js' or 'native'
    state: 'connecting',   // 'connecting', 'live', 'offline', 'ended'
    latency: null,         // seconds behind live, as shown
    bitrate: null,         // bits per second, as shown
    fatalErrors: [],       // hls.js fatal error details
    errors: [],            // every hls.js error detail
    restarts: 0,
    targetDuration: 2,
    vod,                   // the recording played, or null: live
  });
  let hls = null;
  let lastTime = -1;
  let lastProgress = Date.now();
  let fragBits = [];       // recent [bits, seconds] of loaded fragments
  let liveEdgeWall = null; // wall clock (ms) of the playlist's newest media, from its PDTs

  if (embed) document.body.classList.add('embed');
  document.title = stream + (vod ? ' · recording' : ' · live');
  $('title').textContent = stream + (vod ? ' (recording)' : '');
  const snippet = '<iframe src="' + location.origin + '/watch/' + enc + '?embed=1' +
    (vod ? '&vod=' + vod : '') + '" ' +
    'width="640" height="360" frameborder="0" allow="autoplay; fullscreen; picture-in-picture" ' +
    'allowfullscreen></iframe>';
  $('embed').value = snippet;
  $('copy-embed').addEventListener('click', () => {
    const done = () => { $('copy-embed').textContent = 'Copied'; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(snippet).then(done, () => { $('embed').select(); });
    } else {
      $('embed').select();
      try { document.execCommand('copy'); done(); } catch (e) { /* selected for the viewer */ }
    }
  });

  function useHlsJs() {
    if (forced === 'native') return false;
    return typeof Hls !== 'undefined' && Hls.isSupported();
  }

  function setState(st, text) {
    S.state = st;
    $('state').dataset.state = st;
    $('state').textContent = text || st;
    $('badge').dataset.state = st;
    $('badge').textContent = st;
    const ov = $('overlay');
    if (st === 'offline') {
      ov.textContent = 'This stream is offline. It will start here by itself.';
      ov.hidden = false;
    } else if (st === 'ended' && (video.ended || !hls && video.paused)) {
      ov.textContent = 'This stream has ended.';
      ov.hidden = false;
    } else {
      ov.hidden = true;
    }
  }

  function stop() {
    if (hls) {
      hls.destroy();
      hls = null;
    }
    video.removeAttribute('src');
    video.load();
    fragBits = [];
  }

  function start() {
    stop();
    lastTime = -1;
    lastProgress = Date.now();
    if (useHlsJs()) {
      S.engine = 'hls.js';
      hls = new Hls({
        liveSyncDurationCount: 2,
        lowLatencyMode: true,
        manifestLoadingMaxRetry: 6,
        levelLoadingMaxRetry: 6,
        fragLoadingMaxRetry: 6,
      });
      const mine = hls;
      hls.on(Hls.Events.ERROR, (ev, data) => {
        S.errors.push(data.details);
        if (!data.fatal || mine !== hls) return;
        S.fatalErrors.push(data.details);
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          // A late segment or a blip: try again shortly.
          setTimeout(() => { if (mine === hls) hls.startLoad(); }, 1000);
        } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
        } else {
          restart('hls.js: ' + data.details);
        }
      });
      hls.on(Hls.Events.FRAG_LOADED, (ev, data) => {
        const bytes = data.frag.stats && data.frag.stats.total ? data.frag.stats.total :
          (data.payload ? data.payload.byteLength : 0);
        if (bytes > 0 && data.frag.duration > 0) {
          fragBits.push([bytes * 8, data.frag.duration]);
          if (fragBits.length > 4) fragBits.shift();
        }
      });
      hls.on(Hls.Events.MANIFEST_PARSED, () => { video.play().catch(() => {}); });
      hls.loadSource(masterUrl);
      hls.attachMedia(video);
    } else {
      S.engine = 'native';
      video.src = masterUrl;
      video.play().catch(() => {});
      declaredBitrate();
    }
    $('engine').textContent = S.engine;
  }

  function restart(why) {
    S.restarts++;
    console.warn('player: restarting (' + why + ')');
    start();
  }

  // Native playback does not tell the bitrate: the master playlist declares it.
  function declaredBitrate() {
    fetch(masterUrl).then((r) => (r.ok ? r.text() : '')).then((t) => {
      const m = /BANDWIDTH=(\d+)/.exec(t || '');
      if (m && S.engine === 'native') S.declaredBitrate = Number(m[1]);
    }).catch(() => {});
  }

  // The playlist says whether the stream is live, ended (ENDLIST) or gone.
  function poll() {
    fetch(mediaUrl).then((r) => {
      if (r.status === 404) return { st: 'offline' };
      if (!r.ok) return null;   // an edge or origin blip: keep what we know
      return r.text().then((t) => {
        const td = /#EXT-X-TARGETDURATION:(\d+)/.exec(t);
        if (td) S.targetDuration = Number(td[1]);
        liveEdgeWall = playlistEdge(t);
        return { st: /#EXT-X-ENDLIST/.test(t) ? 'ended' : 'live' };
      });
    }).then((res) => {
      if (!res) return;
      const was = S.state;
      if (vod && res.st === 'ended' && !S.engine) {
        start();                      // a recording: play it from its start
        setState('ended', 'recording');
      } else if (res.st === 'live' && was !== 'live') {
        setState('live');
        start();                      // first start, or the stream is back
      } else if (res.st === 'offline' && was !== 'offline') {
        stop();
        setState('offline');
      } else if (res.st !== was) {
        setState(res.st);
      }
    }).catch(() => {}).finally(() => setTimeout(poll, POLL_MS));
  }

  // The wall clock at the end of the newest segment: its PROGRAM-DATE-TIME
  // plus the durations from there (RFC 8216 4.3.2.6).
  function playlistEdge(text) {
    let pdt = null, sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
        const t = Date.parse(line.slice(25).trim());
        if (!isNaN(t)) { pdt = t; sum = 0; }
      } else if (line.startsWith('#EXTINF:')) {
        sum += parseFloat(line.slice(8)) || 0;
      }
    }
    return pdt === null ? null : pdt + sum * 1000;
  }

  function latencyNow() {
    if (hls) {
      if (hls.playingDate instanceof Date && !isNaN(hls.playingDate)) {
        return (Date.now() - hls.playingDate.getTime()) / 1000;
      }
      return typeof hls.latency === 'number' && isFinite(hls.latency) ? hls.latency : null;
    }
    if (typeof video.getStartDate === 'function') {
      const d = video.getStartDate();
      if (d instanceof Date && !isNaN(d.getTime()) && d.getTime() > 0) {
        return (Date.now() - d.getTime()) / 1000 - video.currentTime;
      }
    }
    // Native HLS without dates: how old the playlist's newest media is, plus
    // how far the picture is behind the newest media the player holds.
    const r = video.seekable.length ? video.seekable : video.buffered;
    if (r.length && liveEdgeWall !== null) {
      const behind = Math.max(0, r.end(r.length - 1) - video.currentTime);
      return (Date.now() - liveEdgeWall) / 1000 + behind;
    }
    return null;
  }

  function fmtRate(bps) {
    if (bps >= 1e6) return (bps / 1e6).toFixed(2) + ' Mbit/s';
    return Math.round(bps / 1e3) + ' kbit/s';
  }

  // Once a second: the figures, and the stall watchdog.
  function tick() {
    if (S.state === 'live' || S.state === 'ended') {
      const l = video.currentTime > 0 && !vod ? latencyNow() : null;
      S.latency = l;
      $('latency').dataset.latency = l === null ? '' : l.toFixed(2);
      $('latency').textContent = l === null ? '—' : l.toFixed(1) + ' s';
      let bps = null;
      if (fragBits.length) {
        const b = fragBits.reduce((a, f) => a + f[0], 0);
        const s = fragBits.reduce((a, f) => a + f[1], 0);
        bps = b / s;
      } else if (S.declaredBitrate) {
        bps = S.declaredBitrate;
      }
      S.bitrate = bps;
      $('bitrate').dataset.bps = bps === null ? '' : String(Math.round(bps));
      $('bitrate').textContent = bps === null ? '—' : fmtRate(bps);
      let rend = '';
      if (hls && hls.levels && hls.currentLevel >= 0 && hls.levels[hls.currentLevel]) {
        const lv = hls.levels[hls.currentLevel];
        rend = (lv.height ? lv.width + '×' + lv.height : 'audio') +
          (lv.attrs && lv.attrs.CODECS ? ' · ' + lv.attrs.CODECS :
            (lv.codecSet ? ' · ' + lv.codecSet : ''));
      } else if (video.videoHeight) {
        rend = video.videoWidth + '×' + video.videoHeight;
      }
      $('rendition').textContent = rend || '—';
    }
    // Stalled for three target durations (at least 8 s) while live: restart.
    if (video.currentTime !== lastTime) {
      lastTime = video.currentTime;
      lastProgress = Date.now();
    } else if (S.state === 'live' && !video.paused &&
               Date.now() - lastProgress > Math.max(8, 3 * S.targetDuration) * 1000) {
      restart('no progress for ' + Math.round((Date.now() - lastProgress) / 1000) + ' s');
    }
    if (S.state === 'ended' && video.ended) setState('ended', vod ? 'recording' : undefined);
  }

  video.addEventListener('ended', () => {
    if (S.state === 'ended') setState('ended', vod ? 'recording' : undefined);
  });
  setInterval(tick, 1000);
  poll();
})();
