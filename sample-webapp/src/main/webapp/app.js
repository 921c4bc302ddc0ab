/*
 * The demo page: shows which node holds this page's socket, the `news` events with the node that
 * triggered each one, a trigger form (POST trigger), a demo login (POST login / logout), who is
 * online in `presence-lobby`, a small chat on `chat.lobby`, whose messages go through the server's
 * `chat` handler (sb.send) and are marked acknowledged by its reply, and an admin card that lists a
 * user's sessions and kicks the user (close 4403, after which the kicked page stays disconnected
 * and says so).
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

  // ---- who is online: the members of a presence channel, cluster-wide ------------------------

  // Presence channels need an identity: followed while this page's socket carries a user (the
  // demo login), dropped when it ends (4401, then an anonymous socket).
  const ONLINE = 'presence-lobby';
  let online = null; // the presence view, while followed
  let me = null;

  function showOnline(members) {
    $('online').replaceChildren(...members.map((user) => {
      const li = text('li', user, user === me ? 'me' : '');
      li.dataset.user = user;
      return li;
    }));
  }

  function followOnline(user) {
    me = user;
    $('online-hint').hidden = !!user;
    $('online').hidden = !user;
    $('online-change').hidden = !user;
    if (user && !online) {
      online = sb.presence(ONLINE, {
        onChange: showOnline,
        onJoin: (who) => { $('online-change').textContent = who + ' came online'; },
        onLeave: (who) => { $('online-change').textContent = who + ' went offline'; },
      });
    } else if (!user && online) {
      online.close();
      online = null;
      showOnline([]);
      $('online-change').textContent = '';
    }
  }

  sb.on('welcome', (welcome) => followOnline(welcome.user || null));
  sb.on('close', (e) => {
    if (e.code === 4401) followOnline(null); // the login ended: the next socket is anonymous
  });

  // ---- chat: sent to the server's `chat` handler, acknowledged by its reply --------------------
  //
  // sb.send('chat', {text, ref}) reaches the handler on the node holding this socket; it publishes
  // the message to chat.lobby and replies with the offset. This page shows its own message at once
  // as "sending", marks it acknowledged when the reply comes, and does not show it a second time when
  // the published event arrives (matched by `ref`, since the event may come before the reply).

  const ownMessages = new Map(); // ref -> the list entry of a message this page sent

  function newRef() {
    return (self.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
  }

  function chatMeta(parts) {
    return parts.filter(Boolean).join(' · ');
  }

  sb.subscribe('chat.lobby', (data, meta) => {
    const message = data || {};
    if (message.ref && ownMessages.has(message.ref)) return; // this page's own, shown already
    append($('chat-feed'), [
      text('span', message.text, 'message'),
      text('span', chatMeta([message.user, clock(Date.now()), meta.offset]), 'meta'),
    ]);
  });

  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('chat-message');
    const value = input.value.trim();
    if (!value) return;
    input.value = '';
    const ref = newRef();
    const status = text('span', chatMeta(['sending…', clock(Date.now())]), 'meta');
    append($('chat-feed'), [text('span', value, 'message'), status], 'own pending');
    const entry = $('chat-feed').lastElementChild;
    ownMessages.set(ref, entry);
    sb.send('chat', { text: value, ref }).then((reply) => {
      entry.className = 'own acked';
      status.textContent = chatMeta(['✓ acknowledged', clock(Date.now()), reply && reply.offset]);
    }, (error) => {
      ownMessages.delete(ref);
      entry.className = 'own failed';
      status.textContent = chatMeta(['not sent (' + error.code + '): ' + error.message]);
    });
    // Bounded like the list: forget entries that scrolled out of it.
    for (const [key, li] of ownMessages) if (!li.isConnected) ownMessages.delete(key);
  });

  // ---- admin: a user's sessions anywhere in the cluster, and the kick ---------------------------

  // The admin form is for logged-in users only (the servlet answers 401 otherwise).
  sb.on('welcome', (welcome) => {
    $('admin-form').hidden = !welcome.user;
    $('admin-login-hint').hidden = !!welcome.user;
  });

  const adminResult = $('admin-result');
  function adminSays(message, failed) {
    adminResult.textContent = message;
    adminResult.className = failed ? 'result failed' : 'result';
  }

  async function listSessions(user) {
    const response = await fetch('admin/sessions?' + new URLSearchParams({ user }));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || 'HTTP ' + response.status);
    const list = $('admin-sessions');
    list.replaceChildren();
    list.classList.remove('has-items');
    for (const session of body.sessions) {
      const channels = session.channels.length ? session.channels.join(', ') : 'no channels';
      append(list, [
        text('span', session.session, 'message'),
        text('span', 'on ' + session.node + ' · ' + session.transport + ' · ' + channels
          + ' · since ' + clock(Date.parse(session.since)), 'meta'),
      ]);
    }
    return body.sessions.length;
  }

  $('admin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const user = $('admin-user').value.trim();
    if (!user) return;
    try {
      const count = await listSessions(user);
      adminSays(user + ' has ' + count + ' session' + (count === 1 ? '' : 's') + ' in the cluster.');
    } catch (error) {
      adminSays('Listing failed: ' + error.message, true);
    }
  });

  $('admin-kick').addEventListener('click', async () => {
    const user = $('admin-user').value.trim();
    if (!user) return;
    try {
      const body = await post('admin/kick', { user });
      adminSays('Kicked ' + user + ': ' + body.closed + ' session' + (body.closed === 1 ? '' : 's') + ' closed.');
      await listSessions(user).catch(() => {});
    } catch (error) {
      adminSays('Kick failed: ' + error.message, true);
    }
  });

  // Kicked (close 4403): the client does not reconnect; say so instead of showing a silent red dot.
  sb.on('disconnected', (d) => {
    const notice = $('disconnected-notice');
    notice.textContent = 'Disconnected by the server (' + d.code + (d.reason ? ': ' + d.reason : '')
      + '). This page does not reconnect; reload it to connect again.';
    notice.hidden = false;
    followOnline(null); // no longer connected: this page no longer knows who is online
    $('online-hint').textContent = 'Not connected: reload the page to see who is online.';
  });
})();
