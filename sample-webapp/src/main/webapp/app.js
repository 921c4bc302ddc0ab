/*
 * The demo page: shows which node holds this page's socket, the `news` events with the node that
 * triggered each one, a trigger form (POST trigger), a demo login (POST login / logout) and a small
 * chat on `chat.lobby`.
 *
 * Every piece of event data goes into the DOM through textContent, never innerHTML: the data comes
 * from other users.
 */
(function () {
  'use strict';

  const MAX_ITEMS = 200; // older list entries are dropped so a long-open page stays light

  const $ = (id) => document.getElementById(id);

  /*
   * Endpoints: this application's own socket first, then any extra ones from the query parameter
   * `peers`, a comma-separated list of ws:// URLs, e.g.
   *   /?peers=ws://127.0.0.1:18081/switchboard/ws,ws://127.0.0.1:18082/switchboard/ws
   * The client fails over across them in order when a socket drops; the browser tests use this to
   * kill the node behind a page and watch it move to another one without losing events.
   */
  const peers = (new URLSearchParams(location.search).get('peers') || '')
    .split(',').map((s) => s.trim()).filter(Boolean);
  const urls = [new URL('switchboard/ws', location.href).href, ...peers];

  const sb = new Switchboard(urls);
  window.sb = sb; // handy from the developer console

  // ---- connection ----------------------------------------------------------------------------

  const status = $('status');
  function showStatus(state) {
    status.textContent = state;
    status.dataset.state = state;
  }
  sb.on('open', () => showStatus('connected'));
  sb.on('close', () => showStatus('disconnected'));
  // The node only changes when a new socket says welcome, so it keeps naming the last node while
  // a reconnect is under way.
  sb.on('welcome', (welcome) => {
    $('node').textContent = welcome.node;
    showUser(welcome.user);
  });
  sb.on('error', (error) => console.warn('Switchboard:', error.code, error.message, error.channel || ''));

  // ---- transport: the WebSocket, or Server-Sent Events where a proxy blocks WebSockets ---------

  // Shown once a connection says welcome: sb.transport then names what carries it. The client
  // switches to SSE after two refused WebSocket connects and back when the WebSocket works again.
  const TRANSPORT_NAMES = { websocket: 'WebSocket', sse: 'Server-Sent Events (fallback)' };
  function showTransport() {
    const transport = $('transport');
    transport.textContent = TRANSPORT_NAMES[sb.transport] || sb.transport;
    transport.dataset.transport = sb.transport;
  }
  sb.on('welcome', showTransport);

  // After a reconnect the server replays what this page missed; if its history no longer covers
  // the gap, say so (a real application would reload its state here).
  sb.on('recovered', (r) => {
    if (r.recovered) return;
    const list = r.channel === 'news' ? $('feed') : r.channel === 'chat.lobby' ? $('chat-feed') : null;
    if (list) append(list, [text('span', 'Reconnected: some earlier events could not be replayed.', 'gap')], 'gap');
  });

  // ---- lists ---------------------------------------------------------------------------------

  function text(tag, value, className) {
    const el = document.createElement(tag);
    el.textContent = value == null ? '' : String(value);
    if (className) el.className = className;
    return el;
  }

  function append(list, children, className) {
    const li = document.createElement('li');
    if (className) li.className = className;
    // Spaces between the parts keep the entry's text readable (textContent, screen readers);
    // the layout ignores them.
    children.forEach((child, i) => li.append(...(i ? [' ', child] : [child])));
    list.append(li);
    while (list.children.length > MAX_ITEMS) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
    list.classList.add('has-items');
  }

  function clock(millis) {
    return new Date(millis).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  // ---- news: triggered over HTTP on any node, received over this page's socket ---------------

  sb.subscribe('news', (data, meta) => {
    const event = data || {};
    const via = sb.welcome ? sb.welcome.node : '?';
    const details = ['triggered on ' + event.node, 'received via ' + via, meta.offset];
    if (typeof event.sentAt === 'number') details.push((Date.now() - event.sentAt) + ' ms after the trigger');
    append($('feed'), [
      text('span', event.message, 'message'),
      text('span', details.join(' · '), 'meta'),
    ]);
  });

  const triggerResult = $('trigger-result');
  $('trigger-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('message');
    const message = input.value.trim();
    if (!message) return;
    const send = $('send');
    send.disabled = true;
    triggerResult.className = 'result';
    try {
      // A URLSearchParams body is sent as application/x-www-form-urlencoded;charset=UTF-8.
      const response = await fetch('trigger', { method: 'POST', body: new URLSearchParams({ message }) });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.message || 'HTTP ' + response.status);
      triggerResult.textContent = 'Handled by ' + body.node + ' (offset ' + body.offset + ')';
      input.value = '';
    } catch (error) {
      triggerResult.textContent = 'Trigger failed: ' + error.message;
      triggerResult.className = 'result failed';
    } finally {
      send.disabled = false;
      input.focus();
    }
  });

  // ---- login: a container login the socket's identity rests on --------------------------------

  function showUser(user) {
    $('user').textContent = user || 'anonymous';
    $('login-form').hidden = !!user;
    $('logout-form').hidden = !user;
  }

  const loginResult = $('login-result');
  async function post(path, fields) {
    const response = await fetch(path, { method: 'POST', body: new URLSearchParams(fields) });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || 'HTTP ' + response.status);
    return body;
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    loginResult.className = 'result';
    try {
      await post('login', { user: $('login-user').value.trim(), password: $('login-password').value });
      // The open socket was opened anonymously; a new page load opens one with the login.
      location.reload();
    } catch (error) {
      loginResult.textContent = 'Login failed: ' + error.message;
      loginResult.className = 'result failed';
    }
  });

  sb.on('close', (e) => {
    if (e.code === 4401) loginResult.textContent = 'The login ended: the server closed the socket with 4401.';
  });

  $('logout-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await post('logout', {});
      // Nothing else to do: the server closes this login's socket (4401) and the client reconnects anonymously.
      loginResult.textContent = 'Logged out.';
    } catch (error) {
      loginResult.textContent = 'Logout failed: ' + error.message;
      loginResult.className = 'result failed';
    }
  });

  // ---- chat: published by the browser over the socket ----------------------------------------

  sb.subscribe('chat.lobby', (data, meta) => {
    append($('chat-feed'), [
      text('span', data && data.text, 'message'),
      text('span', clock(Date.now()) + ' · ' + meta.offset, 'meta'),
    ]);
  });

  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('chat-message');
    const value = input.value.trim();
    if (!value) return;
    input.value = '';
    sb.publish('chat.lobby', 'message', { text: value }).catch((error) => {
      append($('chat-feed'), [text('span', 'Not sent (' + error.code + '): ' + value, 'message')], 'failed');
    });
  });
})();
