/*
 * The admin page: subscribes to the reserved channel @admin over its own socket ({prefix}/ws?admin,
 * authenticated by the login's session cookie) and shows what every node publishes there once a
 * second while the page is open: the nodes, their rates, a live chart of the delivery rate, the
 * busiest channels and the last slow-consumer closes. Nothing is polled.
 *
 * Every value goes into the DOM through textContent, never innerHTML: channel names and user ids
 * are chosen by clients.
 */
(function () {
  'use strict';

  const STALE_MILLIS = 5000;     // a node whose figures are older is shown greyed out
  const GONE_MILLIS = 30000;     // and dropped after this long
  const HISTORY_SECONDS = 300;   // the chart's width
  const MAX_CLOSES = 20;
  const COLORS = ['#3b5bdb', '#f08c00', '#2b8a3e', '#ae3ec9', '#e03131', '#1098ad', '#5f3dc4', '#d6336c'];

  const $ = (id) => document.getElementById(id);

  /** node id -> {figures, seen (page clock), color} */
  const nodes = new Map();
  /** one sample a second: {at, total, byNode: Map<node, rate>} */
  const samples = [];
  /** slow-consumer closes of every node, by node + session + time */
  const closes = new Map();

  // ---- the socket ----------------------------------------------------------------------------

  const sb = new Switchboard(new URL('../ws?admin=1', location.href).href);
  window.sb = sb; // handy from the developer console
  let opened = false;
  let failedConnects = 0;

  function showStatus(state) {
    $('status').textContent = state;
    $('status').dataset.state = state;
  }
  sb.on('open', () => {
    opened = true;
    failedConnects = 0;
    showStatus('connected');
  });
  sb.on('welcome', (welcome) => { $('node').textContent = welcome.node; });
  sb.on('close', ({ code }) => {
    showStatus('disconnected');
    if (code === 4401) {
      location.reload(); // the login session expired: the server answers the login form
      return;
    }
    // A handshake refused for want of a valid session never opens: ask whether the session still holds.
    if (!opened && ++failedConnects >= 3) {
      failedConnects = 0;
      fetch('session', { credentials: 'same-origin', cache: 'no-store' })
        .then((answer) => { if (answer.status === 401) location.reload(); })
        .catch(() => { /* the node is away: the client keeps retrying */ });
    }
    opened = false;
  });
  sb.on('error', (error) => console.warn('Switchboard:', error.code, error.message));

  sb.subscribe('@admin', (figures, meta) => {
    if (meta.event !== 'figures' || !figures || typeof figures.node !== 'string') return;
    let entry = nodes.get(figures.node);
    if (!entry) {
      entry = { color: COLORS[nodes.size % COLORS.length] };
      nodes.set(figures.node, entry);
    }
    entry.figures = figures;
    entry.seen = Date.now();
    (figures.slowConsumers || []).forEach((close) => {
      closes.set(figures.node + ' ' + close.session + ' ' + close.at, Object.assign({ node: figures.node }, close));
    });
  });

  // ---- rendering -----------------------------------------------------------------------------

  function cell(value, className) {
    const td = document.createElement('td');
    td.textContent = value == null ? '' : String(value);
    if (className) td.className = className;
    return td;
  }

  function rate(value) {
    if (value == null || !isFinite(value)) return '–';
    return value >= 100 ? Math.round(value).toLocaleString() : value.toFixed(value >= 10 ? 1 : 2);
  }

  function clock(millis) {
    return new Date(millis).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function fresh(entry, now) {
    return now - entry.seen <= STALE_MILLIS;
  }

  function renderNodes(now) {
    const rows = [];
    let connections = 0;
    let deliveries = 0;
    let live = 0;
    [...nodes.keys()].sort().forEach((id) => {
      const entry = nodes.get(id);
      if (now - entry.seen > GONE_MILLIS) {
        nodes.delete(id);
        return;
      }
      const f = entry.figures;
      const up = fresh(entry, now);
      if (up) {
        live++;
        connections += f.connections;
        deliveries += f.deliveryRate;
      }
      const tr = document.createElement('tr');
      tr.dataset.node = id;
      if (!up) tr.className = 'stale';
      const bus = document.createElement('td');
      const dot = document.createElement('span');
      dot.className = 'bus';
      dot.dataset.state = f.busUp ? 'up' : 'down';
      dot.textContent = f.bus + (f.busUp ? '' : ' (down)');
      bus.append(dot);
      tr.append(
        cell(id, 'name'), bus,
        cell(f.connections.toLocaleString(), 'num connections'),
        cell(f.subscriptions.toLocaleString(), 'num'),
        cell(f.channels.toLocaleString(), 'num'),
        cell(rate(f.deliveryRate), 'num delivery-rate'),
        cell(rate(f.publishRate), 'num'),
        cell(f.busRoundTripMillis == null ? '–' : f.busRoundTripMillis.toFixed(2) + ' ms', 'num'),
        cell(f.slowConsumersClosed.toLocaleString(), 'num'));
      rows.push(tr);
    });
    $('node-rows').replaceChildren(...rows);
    $('node-count').textContent = String(live);
    $('total-connections').textContent = nodes.size ? connections.toLocaleString() : '–';
    $('total-rate').textContent = nodes.size ? rate(deliveries) : '–';
    return deliveries;
  }

  function renderBusiest(now) {
    const byChannel = new Map();
    nodes.forEach((entry, id) => {
      if (!fresh(entry, now)) return;
      (entry.figures.busiest || []).forEach(({ channel, rate: r }) => {
        const sum = byChannel.get(channel) || { rate: 0, nodes: [] };
        sum.rate += r;
        sum.nodes.push(id);
        byChannel.set(channel, sum);
      });
    });
    const rows = [...byChannel.entries()]
      .sort((a, b) => b[1].rate - a[1].rate || a[0].localeCompare(b[0]))
      .slice(0, 10)
      .map(([channel, sum]) => {
        const tr = document.createElement('tr');
        tr.append(cell(channel, 'mono'), cell(rate(sum.rate), 'num'), cell(sum.nodes.sort().join(', ')));
        return tr;
      });
    $('busiest-rows').replaceChildren(...rows);
  }

  function renderCloses() {
    const recent = [...closes.values()].sort((a, b) => b.at - a.at).slice(0, MAX_CLOSES);
    const items = recent.map((close) => {
      const li = document.createElement('li');
      const what = document.createElement('span');
      what.className = 'message';
      what.textContent = (close.user ? close.user : 'anonymous') + ' · session ' + close.session;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = clock(close.at) + ' on ' + close.node + (close.reason ? ' · ' + close.reason : '');
      li.append(what, ' ', meta);
      li.dataset.key = close.node + ' ' + close.session + ' ' + close.at;
      return li;
    });
    // Only what changed is replaced, so an entry keeps its arrival highlight once.
    const list = $('slow-consumers');
    const keys = items.map((li) => li.dataset.key).join('|');
    if (list.dataset.keys !== keys) {
      const old = new Map([...list.children].map((li) => [li.dataset.key, li]));
      list.replaceChildren(...items.map((li) => old.get(li.dataset.key) || li));
      list.dataset.keys = keys;
    }
  }

  // ---- the chart -----------------------------------------------------------------------------

  function sample(now) {
    const byNode = new Map();
    let total = 0;
    nodes.forEach((entry, id) => {
      if (!fresh(entry, now)) return;
      byNode.set(id, entry.figures.deliveryRate);
      total += entry.figures.deliveryRate;
    });
    samples.push({ at: now, total, byNode });
    while (samples.length > HISTORY_SECONDS) samples.shift();
  }

  /** The step between the chart's grid lines: a round number, about a quarter of the highest value. */
  function niceStep(max) {
    const raw = Math.max(max, 1) / 4;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    return magnitude * [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= raw);
  }

  function drawChart(now) {
    const canvas = $('rate-chart');
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const style = getComputedStyle(document.documentElement);
    const muted = style.getPropertyValue('--muted').trim();
    const line = style.getPropertyValue('--line').trim();
    const text = style.getPropertyValue('--text').trim();
    const left = 56;
    const right = 12;
    const top = 10;
    const bottom = 24;
    const plotWidth = width - left - right;
    const plotHeight = height - top - bottom;
    const step = niceStep(Math.max(0, ...samples.map((s) => s.total)));
    const max = step * Math.max(1, Math.ceil(Math.max(0, ...samples.map((s) => s.total)) / step));
    const x = (at) => left + plotWidth * (1 - (now - at) / (HISTORY_SECONDS * 1000));
    const y = (value) => top + plotHeight * (1 - value / max);

    g.font = '12px system-ui, sans-serif';
    g.fillStyle = muted;
    g.strokeStyle = line;
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let value = 0; value <= max + step / 2; value += step) {
      const yy = Math.round(y(value)) + 0.5;
      g.beginPath();
      g.moveTo(left, yy);
      g.lineTo(width - right, yy);
      g.stroke();
      g.fillText(rate(value), left - 8, yy);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (let m = 0; m <= 5; m++) {
      g.fillText(m === 0 ? 'now' : '-' + m + ' min', x(now - m * 60000), height - bottom + 6);
    }

    const series = [...nodes.keys()].sort().map((id) => ({ id, color: nodes.get(id).color, width: 1.5,
      value: (s) => s.byNode.get(id) }));
    series.push({ id: 'cluster', color: text, width: 2.5, value: (s) => s.total });
    series.forEach(({ color, width: lineWidth, value }) => {
      g.strokeStyle = color;
      g.lineWidth = lineWidth;
      g.lineJoin = 'round';
      g.beginPath();
      let drawing = false;
      samples.forEach((s) => {
        const v = value(s);
        if (v == null) {
          drawing = false;
          return;
        }
        if (drawing) g.lineTo(x(s.at), y(v));
        else g.moveTo(x(s.at), y(v));
        drawing = true;
      });
      g.stroke();
    });

    const legend = series.map(({ id, color }) => {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = color;
      const last = samples.length ? series.find((s) => s.id === id).value(samples[samples.length - 1]) : null;
      li.append(swatch, document.createTextNode(id + ' ' + rate(last)));
      return li;
    });
    $('chart-legend').replaceChildren(...legend);
  }

  function render() {
    const now = Date.now();
    renderNodes(now);
    renderBusiest(now);
    renderCloses();
    sample(now);
    drawChart(now);
  }

  render();
  setInterval(render, 1000);
})();
