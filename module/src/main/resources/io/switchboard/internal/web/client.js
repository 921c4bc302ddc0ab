/*
 * Switchboard browser client (wire protocol v1). No dependencies, no build step.
 *
 *   const sb = new Switchboard('switchboard/ws');            // or a list of URLs to fail over across
 *   const off = sb.subscribe('news', (data, meta) => ...);   // meta = {event, channel, offset}
 *   sb.publish('chat.lobby', 'message', {text: 'hi'}).then(offset => ...);
 *   sb.send('echo', {text: 'hi'}).then(reply => ...);         // the server's handler of 'echo' answers
 *   sb.on('welcome', w => console.log('socket held by', w.node));
 *   const room = sb.presence('presence-lobby', {onChange: users => ...}); // who is online; room.members
 *
 * Server-side control (SPEC v1.1): the application may subscribe this session to channels (their
 * events go to `sb.on('event', (data, meta) => ...)` unless the page subscribed them itself),
 * unsubscribe it (`sb.on('unsubscribed', ({channel}) => ...)`; the page's handlers of that channel
 * stop and it is not resubscribed), send it events (`sb.on('session', (data, meta) => ...)`, on
 * channel `@session`, without offsets) and disconnect it: a close with 4403 is not retried, the
 * client stays closed and says so (`sb.on('disconnected', ({code, reason}) => ...)`, `sb.disconnected`).
 * What the server subscribed belongs to the session: a reconnect starts without it.
 *
 * Guarantees: reconnects by itself (exponential backoff with full jitter, next URL each time),
 * resubscribes every channel with `since` = the last offset it saw so the server replays what was
 * missed, and never hands a handler the same event twice across such a seam.
 *
 * Networks that block WebSockets: when the WebSocket handshake fails, or no `welcome` arrives within
 * a few seconds, twice in a row, the client switches to Server-Sent Events (a stream from
 * `.../sse`, each request POSTed), resubscribing with `since` as on any reconnect, and tries the
 * WebSocket again every `webSocketRetry` ms, moving back as soon as it works. `sb.transport` says
 * which is in use ('websocket' or 'sse'); the 'transport' event reports each change.
 *
 * Identity: `token` is a client token, or a function returning one (or a promise of one) that is
 * asked before every connect and again before the current token expires; the fresh token is sent
 * as `refresh`, so the server does not close the socket with 4401 when the old one runs out.
 *
 *   const sb = new Switchboard('switchboard/ws', {
 *     token: () => fetch('/my-app/switchboard-token').then(r => r.text()),
 *   });
 *
 * Loadable as a classic <script> (defines window.Switchboard) and as a CommonJS module.
 */
(function (root, factory) {
  'use strict';
  const Switchboard = factory();
  if (typeof module === 'object' && module && module.exports) module.exports = Switchboard;
  if (root) root.Switchboard = Switchboard;
})(typeof self !== 'undefined' ? self : undefined, function () {
  'use strict';

  const DEFAULT_HEARTBEAT = 25000; // until the server's welcome says otherwise
  const STABLE_AFTER = 10000;      // a connection that lived this long resets the backoff
  const USER_CHANNEL = '@user';    // channel of events addressed to this user
  const SESSION_CHANNEL = '@session'; // channel of events addressed to this one session
  const DISCONNECTED = 4403;       // close code: the application disconnected this user; never retried
  const MAX_REFRESH_LEAD = 60000;  // refresh a token at most this long before it expires...
  const MIN_REFRESH_GAP = 1000;    // ...and never more often than this
  const DEFAULT_SEND_TIMEOUT = 10000; // how long send() waits for its reply by default
  const WELCOME_TIMEOUT = 5000;    // a connection without welcome by then counts as failed
  const FAILURES_BEFORE_SWITCH = 2; // consecutive failed connects before trying the other transport
  const WEBSOCKET_RETRY = 60000;   // while on SSE, try the WebSocket again this often

  /** Splits `<epoch>-<seq>`; the epoch is letters and digits, so the last '-' separates. */
  function parseOffset(offset) {
    const dash = offset.lastIndexOf('-');
    return { epoch: offset.slice(0, dash), seq: Number(offset.slice(dash + 1)) };
  }

  /**
   * When an epoch began (ms): epochs are 9 base-36 digits of a time and 4 capital letters, so they
   * sort by time. Other epochs (of older servers) count as the oldest.
   */
  function epochTime(epoch) {
    return /^[0-9a-z]{9}[A-Z]{4}$/.test(epoch) ? parseInt(epoch.slice(0, 9), 36) : 0;
  }

  /**
   * True when `offset` comes after `last`: a later seq of the same epoch, or a newer epoch (the
   * server moved the channel to a new epoch when its Redis changed). A frame of an older epoch than
   * one already seen never comes after it; epochs of the same millisecond are ordered by seq.
   * Two epochs of which neither has a time cannot be ordered: the other one wins.
   */
  function isAfter(offset, last) {
    if (typeof offset !== 'string') return true; // nothing to compare: deliver
    if (typeof last !== 'string') return true;
    const a = parseOffset(offset);
    const b = parseOffset(last);
    if (a.epoch === b.epoch) return a.seq > b.seq;
    const ta = epochTime(a.epoch);
    const tb = epochTime(b.epoch);
    if (ta === 0 && tb === 0) return true; // neither can be ordered: the other epoch wins, as it always did
    return ta !== tb ? ta > tb : a.seq > b.seq;
  }

  /**
   * Delay before reconnect attempt number `attempt` (0-based): uniformly random in
   * [minDelay, min(maxDelay, minDelay * 2^(attempt+1))]. The randomness ("full jitter") spreads
   * out the clients of a node that just died so they do not all hit the survivors at once.
   */
  function backoffDelay(attempt, minDelay, maxDelay, random = Math.random) {
    const cap = Math.min(maxDelay, minDelay * Math.pow(2, attempt + 1));
    return Math.round(minDelay + random() * Math.max(0, cap - minDelay));
  }

  /**
   * The expiry (epoch milliseconds) of a token in the server's format `b64url(user).<expiry
   * seconds>.<signature>`, or null for a token this client cannot read (then it refreshes on a period).
   */
  function tokenExpiry(token) {
    const parts = typeof token === 'string' ? token.split('.') : [];
    return parts.length === 3 && /^\d{1,12}$/.test(parts[1]) ? Number(parts[1]) * 1000 : null;
  }

  /**
   * How long to wait before refreshing a token that expires at `expiry`: until a fifth of its
   * remaining life is left (at most a minute), so a slow token endpoint still answers in time.
   */
  function refreshDelay(expiry, now) {
    const left = expiry - now;
    const lead = Math.min(MAX_REFRESH_LEAD, Math.max(0, left / 5));
    return Math.max(MIN_REFRESH_GAP, Math.round(left - lead));
  }

  /** ws(s) URLs pass through; http(s) URLs and relative paths (against the page) are converted. */
  function toWebSocketUrl(url) {
    const base = typeof location !== 'undefined' ? location.href : undefined;
    const parsed = new URL(String(url), base); // throws a TypeError for a relative URL without a page
    if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
    else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
    else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
      throw new TypeError('Switchboard: not a WebSocket or HTTP URL: ' + url);
    }
    return parsed.href;
  }

  /**
   * The SSE endpoint next to a WebSocket endpoint: ws(s)://h/p/ws -> http(s)://h/p/sse; null for a URL
   * that does not end in /ws (no SSE fallback for it).
   */
  function toSseUrl(url) {
    const parsed = new URL(String(url));
    if (!/\/ws$/.test(parsed.pathname)) return null;
    parsed.protocol = parsed.protocol === 'wss:' ? 'https:' : 'http:';
    parsed.pathname = parsed.pathname.replace(/\/ws$/, '/sse');
    return parsed.href;
  }

  function failure(code, message) {
    const error = new Error(message);
    error.code = code;
    return error;
  }

  /** Calls a user callback; its exception is reported without breaking the client's own flow. */
  function safely(fn, ...args) {
    try {
      fn(...args);
    } catch (e) {
      setTimeout(() => { throw e; }, 0);
    }
  }

  /**
   * The SSE transport behind the WebSocket's interface (send, close, onopen, onmessage, onclose), so
   * the client drives both alike. The stream (EventSource) brings the frames; it opens at `welcome`,
   * which names the session and its secret. Each request is POSTed to `<sse url>/<session>` with the
   * secret, one at a time, in order: the next only after the node answered 202 (it has handed the
   * request to the session), so requests keep their order whichever node each one reaches. A POST
   * refused as too large or not UTF-8 becomes an `error` frame for its request; any other failure
   * (the session is gone, the node unreachable) ends the connection, and the client reconnects. The
   * server's `close` frame ends it with the server's code. EventSource's own reconnecting is not
   * used: a lost stream is a closed connection, reconnected (and resubscribed) by the client.
   */
  class SseSocket {
    constructor(url, EventSourceImpl, fetchImpl) {
      this.url = url;
      this._fetch = fetchImpl;
      this._queue = [];         // request texts not yet answered, oldest first
      this._posting = false;
      this._closed = false;
      this._postUrl = null;     // set by welcome
      this._secret = null;
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      const stream = new EventSourceImpl(url);
      stream.onmessage = (e) => this._onMessage(e.data);
      stream.onerror = () => this._end(1006, 'the event stream failed');
      this._stream = stream;
    }

    send(text) {
      if (this._closed || this._postUrl === null) throw new Error('Switchboard: the event stream is not open');
      this._queue.push(text);
      this._post();
    }

    /** Ends the connection from this side; like the client's WebSocket use, no close event follows. */
    close() {
      if (this._closed) return;
      this._closed = true;
      this._stream.close();
    }

    _onMessage(data) {
      if (this._closed) return;
      let frame;
      try {
        frame = JSON.parse(data);
      } catch (e) {
        return;
      }
      if (this._postUrl === null) {
        if (!frame || frame.op !== 'welcome' || typeof frame.session !== 'string' || typeof frame.secret !== 'string') {
          this._end(1002, 'the event stream did not start with welcome');
          return;
        }
        const base = new URL(this.url);
        base.search = '';
        base.pathname = base.pathname.replace(/\/?$/, '/') + encodeURIComponent(frame.session);
        this._postUrl = base.href;
        this._secret = frame.secret;
        if (this.onopen) this.onopen({});
      }
      if (frame.op === 'close') {
        this._end(typeof frame.code === 'number' ? frame.code : 1005, frame.reason || '');
        return;
      }
      if (this.onmessage) this.onmessage({ data });
    }

    _post() {
      if (this._posting || this._closed || this._queue.length === 0) return;
      this._posting = true;
      const text = this._queue[0];
      this._fetch(this._postUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8', 'X-Switchboard-Secret': this._secret },
        body: text,
        cache: 'no-store',
        credentials: 'same-origin',
      }).then((response) => {
        if (this._closed) return;
        this._posting = false;
        this._queue.shift();
        if (response.status === 413 || response.status === 400) {
          this._refused(text, response.status === 413 ? 'too_large' : 'bad_request');
        } else if (response.status !== 202) {
          this._end(1006, 'request answered ' + response.status);
          return;
        }
        this._post();
      }, () => this._end(1006, 'request failed'));
    }

    /** A request the node refused alone: its answer, as the WebSocket would have had it, for its id. */
    _refused(text, code) {
      let id;
      try {
        id = JSON.parse(text).id;
      } catch (e) {
        id = undefined;
      }
      const frame = { op: 'error', code, message: 'request refused by the server (' + code + ')' };
      if (id !== undefined) frame.id = id;
      if (this.onmessage) this.onmessage({ data: JSON.stringify(frame) });
    }

    _end(code, reason) {
      if (this._closed) return;
      this._closed = true;
      this._stream.close();
      if (this.onclose) this.onclose({ code, reason });
    }
  }

  class Switchboard {
    /**
     * @param {string|URL|Array<string|URL>} urls one endpoint or several to fail over across, in order
     * @param {{token?: string|function(): (string|Promise<string>), refreshInterval?: number,
     *          minDelay?: number, maxDelay?: number, WebSocket?: function, sse?: boolean,
     *          webSocketRetry?: number, welcomeTimeout?: number, EventSource?: function,
     *          fetch?: function}} [options] token may be a function, asked again before every
     *          connect and before the token expires; refreshInterval (ms) is how often to refresh
     *          tokens whose expiry cannot be read; sse: false turns the SSE fallback off;
     *          webSocketRetry (ms, 0: never) is how often to try the WebSocket again while on SSE
     */
    constructor(urls, options = {}) {
      const list = Array.isArray(urls) ? urls : [urls];
      if (list.length === 0) throw new TypeError('Switchboard: no URL given');
      this._urls = list.map(toWebSocketUrl);
      this._token = options.token;
      this._refreshInterval = options.refreshInterval != null ? options.refreshInterval : 240000;
      this._currentToken = null;   // the token the current socket's identity rests on
      this._refreshTimer = null;
      this._minDelay = options.minDelay != null ? options.minDelay : 500;
      this._maxDelay = Math.max(this._minDelay, options.maxDelay != null ? options.maxDelay : 15000);
      this._WebSocket = options.WebSocket || (typeof WebSocket !== 'undefined' ? WebSocket : null);
      this._initFallback(options);
      if (!this._WebSocket && !this._sseAvailable()) {
        throw new TypeError('Switchboard: no WebSocket implementation available');
      }
      if (!this._WebSocket) this._transport = 'sse';

      this._channels = new Map();  // channel -> {handlers: Set<{handler}>, since: bool}
      this._serverChannels = new Set(); // channels the server subscribed this session to, not the page
      this._offsets = new Map();   // channel -> last offset seen (from `subscribed` or `event`)
      this._publishes = new Map(); // request id -> {frame, sent, resolve, reject}, in call order
      this._subscribes = new Map(); // request id -> channel, to tell which channel an error refers to
      this._sends = new Map();     // request id -> {frame, sent, resolve, reject, timer}, see send()
      this._lateSends = new Set(); // ids of sends written to this socket that timed out: the server still answers each once
      this._listeners = new Map(); // 'open' | 'close' | ... -> Set<fn>
      this._presence = new Map();  // presence channel -> {members: Set|null, watchers: Set} (see presence())
      this._nextId = 1;

      this._ws = null;             // the current socket, null between connections
      this._isOpen = false;
      this._closed = false;        // set by close(): never reconnect again
      this._urlIndex = 0;
      this._attempt = 0;           // reconnects since the last stable connection
      this._openedAt = 0;
      this._lastFrameAt = 0;
      this._heartbeat = DEFAULT_HEARTBEAT;
      this._heartbeatTimer = null;
      this._reconnectTimer = null;

      /** The last `welcome` frame ({session, node, heartbeat, user}), or null. */
      this.welcome = null;
      /** {code, reason} once the application disconnected this client (close 4403), else null. */
      this.disconnected = null;
      this._connect();
    }

    /** Whether a socket is open right now. */
    get connected() {
      return this._isOpen;
    }

    /** What carries the connection: 'websocket', or 'sse' where WebSockets do not get through. */
    get transport() {
      return this._transport;
    }

    /** Calls handler(data, {event, channel, offset}) for each event of `channel`; returns an unsubscribe function. */
    subscribe(channel, handler) {
      if (typeof handler !== 'function') throw new TypeError('Switchboard: handler must be a function');
      let entry = this._channels.get(channel);
      if (!entry) {
        entry = { handlers: new Set(), since: false };
        this._channels.set(channel, entry);
        this._sendSubscribe(channel, entry); // once per channel, however many handlers
      }
      const registration = { handler }; // own object, so the same function may be registered twice
      entry.handlers.add(registration);
      return () => {
        if (this._channels.get(channel) !== entry || !entry.handlers.delete(registration)) return;
        if (entry.handlers.size === 0) this.unsubscribe(channel);
      };
    }

    /** Stops all handlers of `channel`. A later subscribe starts afresh (no replay). */
    unsubscribe(channel) {
      const entry = this._channels.get(channel);
      if (!entry && !this._serverChannels.has(channel)) return;
      this._channels.delete(channel);
      this._serverChannels.delete(channel);
      if (entry) clearTimeout(entry.retryTimer);
      this._offsets.delete(channel);
      // With an id: an `unsubscribed` without one is the server's own doing (see _onUnsubscribed).
      this._send({ op: 'unsubscribe', id: this._nextId++, channel });
    }

    /**
     * Publishes from the browser (only where the server's channel policy allows it). Resolves with
     * the event's offset; rejects with an Error whose `.code` is the server's error code, or
     * 'disconnected' when the socket dropped before the answer (the event may or may not have been
     * published), or 'closed' after close(). Calls made while disconnected are sent on reconnect.
     */
    publish(channel, event, data) {
      if (this._closed) return Promise.reject(failure('closed', 'Switchboard client is closed'));
      const id = this._nextId++;
      const frame = { op: 'publish', id, channel, event, data: data === undefined ? null : data };
      return new Promise((resolve, reject) => {
        const request = { frame, sent: false, resolve, reject };
        this._publishes.set(id, request);
        if (this._isOpen) request.sent = this._send(frame);
      });
    }

    /**
     * Sends a message to the server's handler of `event` (on the node holding this socket) and
     * resolves with the handler's reply data. Rejects with an Error whose `.code` is the server's
     * error code (`not_found`: no handler; `internal`: the handler failed; `unavailable`,
     * `rate_limited`, `too_large`, or the handler's own), or 'timeout' when no answer came within
     * `options.timeout` ms (default 10000), or 'disconnected' when the socket dropped after the
     * message was written (the handler may or may not have run), or 'closed' after close().
     * Calls made while disconnected are sent on reconnect, within the same timeout.
     */
    send(event, data, options) {
      if (this._closed) return Promise.reject(failure('closed', 'Switchboard client is closed'));
      const timeout = options && options.timeout != null ? options.timeout : DEFAULT_SEND_TIMEOUT;
      const id = this._nextId++;
      const frame = { op: 'send', id, event, data: data === undefined ? null : data };
      return new Promise((resolve, reject) => {
        const request = { frame, sent: false, resolve, reject, timer: null };
        this._sends.set(id, request);
        request.timer = setTimeout(() => {
          this._settleSend(id, failure('timeout', 'No reply to send(' + JSON.stringify(event) + ') within ' + timeout + ' ms'));
          if (request.sent) this._lateSends.add(id);
        }, timeout);
        if (this._isOpen) request.sent = this._send(frame);
      });
    }

    // ---- presence (protocol v1.1) ---------------------------------------------------------------

    /**
     * Follows who is online in a `presence-*` channel (it needs an identity: a login or a token).
     * Subscribes to the channel if nothing else does, and keeps its member set: the server sends it
     * after `subscribed` (again after every reconnect), then a `join` for a user's first session
     * anywhere in the cluster and a `leave` for their last. Callbacks get sorted arrays of user ids:
     *   onChange(members)       after the first member list and after every change
     *   onJoin(user, members)   a user came; onLeave(user, members) a user went
     * A member list received after a reconnect is compared with the one held: the users who came or
     * went meanwhile get their onJoin / onLeave. Returns {members, synced, close()}: `members` is the
     * current list (empty until `synced`), close() stops these callbacks and lets go of the channel.
     */
    presence(channel, callbacks = {}) {
      let state = this._presence.get(channel);
      if (!state) {
        state = { members: null, watchers: new Set() };
        this._presence.set(channel, state);
      }
      const watcher = { callbacks };
      state.watchers.add(watcher);
      const release = this.subscribe(channel, () => {}); // holds the channel while watched
      if (state.members) {
        const members = Array.from(state.members).sort();
        if (callbacks.onChange) safely(callbacks.onChange, members);
      }
      return {
        get members() { return state.members ? Array.from(state.members).sort() : []; },
        get synced() { return state.members !== null; },
        close: () => {
          if (!state.watchers.delete(watcher)) return;
          if (state.watchers.size === 0 && this._presence.get(channel) === state) this._presence.delete(channel);
          release();
        },
      };
    }

    _onPresence(frame) {
      const state = this._presence.get(frame.channel);
      if (!state) return; // nobody follows this channel's members (any more)
      if (frame.op === 'presence') {
        const previous = state.members;
        state.members = new Set(Array.isArray(frame.members) ? frame.members : []);
        const members = Array.from(state.members).sort();
        if (previous) {
          // A fresh list (after a reconnect or a resync): tell who came and went meanwhile.
          for (const user of members) if (!previous.has(user)) this._presenceCall(state, 'onJoin', user, members);
          for (const user of Array.from(previous).sort()) if (!state.members.has(user)) this._presenceCall(state, 'onLeave', user, members);
        }
        this._presenceCall(state, 'onChange', members);
        return;
      }
      if (!state.members) return; // changes only count after the list they follow
      const joined = frame.op === 'join';
      if (joined === state.members.has(frame.user)) return; // nothing new
      if (joined) state.members.add(frame.user);
      else state.members.delete(frame.user);
      const members = Array.from(state.members).sort();
      this._presenceCall(state, joined ? 'onJoin' : 'onLeave', frame.user, members);
      this._presenceCall(state, 'onChange', members);
    }

    _presenceCall(state, name, ...args) {
      for (const watcher of Array.from(state.watchers)) {
        const fn = watcher.callbacks[name];
        if (typeof fn === 'function') safely(fn, ...args);
      }
    }

    /**
     * Listens to 'open', 'close', 'welcome', 'error', 'user', 'recovered', 'transport' (the new
     * transport's name, when the client switches), and for server-side control 'event', 'session',
     * 'unsubscribed' and 'disconnected'; returns a function that stops.
     */
    on(type, fn) {
      if (!this._listeners.has(type)) this._listeners.set(type, new Set());
      this._listeners.get(type).add(fn);
      return () => this.off(type, fn);
    }

    off(type, fn) {
      const set = this._listeners.get(type);
      if (set) set.delete(fn);
    }

    /** Closes the connection for good; pending publishes and sends reject with code 'closed'. */
    close() {
      if (this._closed) return;
      this._closed = true;
      clearTimeout(this._reconnectTimer);
      for (const id of Array.from(this._sends.keys())) this._settleSend(id, failure('closed', 'Switchboard client is closed'));
      if (this._ws) this._drop(1000, 'client closed');
      for (const [id, request] of this._publishes) {
        this._publishes.delete(id);
        request.reject(failure('closed', 'Switchboard client is closed'));
      }
    }

    // ---- connection lifecycle --------------------------------------------------------------

    _connect() {
      if (this._closed) return;
      if (typeof this._token !== 'function') {
        this._open(this._token);
        return;
      }
      // A fresh token before every connect: the last one may have expired (e.g. a 4401 close).
      this._fetchToken().then((token) => this._open(token), (error) => {
        if (this._closed) return;
        this._emit('error', failure('token', 'Could not get a client token: ' + (error && error.message)));
        this._scheduleReconnect();
      });
    }

    /** Asks the token function; always a promise, whether it answers at once or later. */
    _fetchToken() {
      try {
        return Promise.resolve(this._token());
      } catch (e) {
        return Promise.reject(e);
      }
    }

    _open(token) {
      if (this._closed) return;
      const sse = this._transport === 'sse';
      const url = new URL(sse ? this._sseUrls[this._urlIndex] : this._urls[this._urlIndex]);
      this._currentToken = token || null;
      if (token) url.searchParams.set('token', token);
      let ws;
      try {
        ws = sse ? new SseSocket(url.href, this._EventSource, this._fetch) : new this._WebSocket(url.href);
      } catch (e) {
        this._emit('error', e);
        this._noteFailure();
        this._scheduleReconnect();
        return;
      }
      this._install(ws);
    }

    /** Makes `ws` the current socket; a socket that gives no welcome in time is dropped (see _noteFailure). */
    _install(ws) {
      this._ws = ws;
      this._welcomed = false;
      clearTimeout(this._welcomeTimer);
      if (this._canSwitch()) {
        this._welcomeTimer = setTimeout(() => {
          if (ws === this._ws && !this._welcomed) this._drop(4000, 'no welcome within ' + this._welcomeTimeout + ' ms');
        }, this._welcomeTimeout);
      }
      // Every handler checks it still belongs to the current socket: a socket we gave up on
      // (heartbeat timeout) may still deliver late events, and those must change nothing.
      ws.onopen = () => { if (ws === this._ws) this._onOpen(); };
      ws.onmessage = (e) => { if (ws === this._ws) this._onFrame(e.data); };
      ws.onclose = (e) => { if (ws === this._ws) this._onClose(e.code, e.reason); };
      ws.onerror = () => {}; // always followed by a close event, which carries what we need
    }

    _onOpen() {
      this._isOpen = true;
      this._openedAt = this._lastFrameAt = Date.now();
      this._startHeartbeat(DEFAULT_HEARTBEAT); // also guards a server that never says welcome
      this._emit('open');
      for (const [channel, entry] of this._channels) this._sendSubscribe(channel, entry);
      for (const request of this._publishes.values()) {
        if (!request.sent) request.sent = this._send(request.frame);
      }
      for (const request of this._sends.values()) {
        if (!request.sent) request.sent = this._send(request.frame);
      }
    }

    _onClose(code, reason, reconnect = true) {
      const wasOpen = this._isOpen;
      this._ws = null;
      this._isOpen = false;
      clearInterval(this._heartbeatTimer);
      clearTimeout(this._refreshTimer);
      clearTimeout(this._welcomeTimer);
      this._stopProbe();
      if (!this._welcomed && !this._closed) this._noteFailure();
      this._subscribes.clear();
      // Only what was written to the dropped socket is in doubt; unsent publishes wait for the next one.
      for (const [id, request] of this._publishes) {
        if (!request.sent) continue;
        this._publishes.delete(id);
        request.reject(failure('disconnected', 'Connection lost before the server confirmed the publish'));
      }
      for (const [id, request] of Array.from(this._sends)) {
        if (request.sent) this._settleSend(id, failure('disconnected', 'Connection lost before the reply'));
      }
      this._lateSends.clear(); // their answers died with the socket
      // A connection that stayed up for a while was healthy: start the backoff from the bottom again.
      if (wasOpen && Date.now() - this._openedAt >= STABLE_AFTER) this._attempt = 0;
      this._emit('close', { code, reason });
      this._forgetServerChannels();
      if (code === DISCONNECTED) {
        this._disconnectedByServer(code, reason);
        return;
      }
      if (reconnect) this._scheduleReconnect();
    }

    /** Abandons the current socket now, without waiting for a close handshake that may never come. */
    _drop(code, reason) {
      const ws = this._ws;
      try {
        ws.close(code, reason);
      } catch (e) {
        // already closing or closed: nothing to do
      }
      this._onClose(code, reason);
    }

    _scheduleReconnect() {
      if (this._closed) return;
      const delay = backoffDelay(this._attempt++, this._minDelay, this._maxDelay);
      this._urlIndex = (this._urlIndex + 1) % this._urls.length; // round robin: fail over to the next one
      this._reconnectTimer = setTimeout(() => this._connect(), delay);
    }

    /**
     * Pings every heartbeat (the server answers pong) and gives up on the socket after two silent
     * heartbeats: a dead TCP connection (peer vanished, NAT dropped it) never closes by itself.
     */
    _startHeartbeat(heartbeat) {
      clearInterval(this._heartbeatTimer);
      this._heartbeat = heartbeat;
      this._heartbeatTimer = setInterval(() => {
        if (Date.now() - this._lastFrameAt >= 2 * this._heartbeat) this._drop(4000, 'heartbeat timeout');
        else this._send({ op: 'ping' });
      }, heartbeat);
    }

    // ---- token refresh -----------------------------------------------------------------------

    /**
     * Plans the next `refresh` of the current socket's token: before it expires when the token
     * says when, else every refreshInterval. Only a token function can give a fresh token; a fixed
     * token runs out, the server closes with 4401 and reconnecting needs a new one.
     */
    _scheduleRefresh() {
      clearTimeout(this._refreshTimer);
      if (typeof this._token !== 'function' || !this._currentToken) return;
      const expiry = tokenExpiry(this._currentToken);
      const delay = expiry !== null ? refreshDelay(expiry, Date.now()) : this._refreshInterval;
      if (!(delay > 0)) return;
      const ws = this._ws;
      this._refreshTimer = setTimeout(() => this._refresh(ws), delay);
    }

    _refresh(ws) {
      this._fetchToken().then((token) => {
        if (ws !== this._ws || !this._isOpen) return; // that socket is gone; the next connect fetches its own
        if (token && token !== this._currentToken) {
          this._currentToken = token;
          this._send({ op: 'refresh', id: this._nextId++, token });
        }
        this._scheduleRefresh();
      }, (error) => {
        if (ws !== this._ws || !this._isOpen) return;
        this._emit('error', failure('token', 'Could not refresh the client token: ' + (error && error.message)));
        this._scheduleRefresh(); // try again; if the token runs out first, the server closes with 4401
      });
    }

    // ---- transports: the SSE fallback and the way back -------------------------------------

    _initFallback(options) {
      this._transport = 'websocket';
      this._EventSource = options.EventSource || (typeof EventSource !== 'undefined' ? EventSource : null);
      const fetchImpl = options.fetch || (typeof fetch !== 'undefined' ? fetch : null);
      this._fetch = fetchImpl && !options.fetch ? fetchImpl.bind(globalThis) : fetchImpl;
      this._sseUrls = options.sse === false ? [] : this._urls.map(toSseUrl);
      this._webSocketRetry = options.webSocketRetry != null ? options.webSocketRetry : WEBSOCKET_RETRY;
      this._welcomeTimeout = options.welcomeTimeout != null ? options.welcomeTimeout : WELCOME_TIMEOUT;
      this._failures = 0;          // connects in a row that got no welcome, on the current transport
      this._welcomed = false;      // the current socket said welcome
      this._welcomeTimer = null;
      this._probeTimer = null;
      this._probe = null;          // a WebSocket being tried while on SSE
    }

    _sseAvailable() {
      return !!(this._EventSource && this._fetch && this._sseUrls.some((url) => url));
    }

    /** Whether the other transport could be tried: both exist, and SSE has a URL here. */
    _canSwitch() {
      return !!this._WebSocket && this._sseAvailable() && !!this._sseUrls[this._urlIndex];
    }

    /**
     * A connect that got no welcome (handshake refused, a proxy that swallowed it, no answer in
     * time). Twice in a row on one transport: try the other one, from the bottom of the backoff.
     * From SSE the client goes back to the WebSocket too: when nothing answers at all the server
     * may be down rather than the network blocking it, and the WebSocket is preferred.
     */
    _noteFailure() {
      this._failures++;
      if (this._failures < FAILURES_BEFORE_SWITCH || !this._canSwitch()) return;
      this._failures = 0;
      this._attempt = 0;
      this._setTransport(this._transport === 'websocket' ? 'sse' : 'websocket');
    }

    _setTransport(transport) {
      if (transport === this._transport) return;
      this._transport = transport;
      this._emit('transport', transport);
    }

    /** While on SSE, plans the next try of the WebSocket. */
    _scheduleProbe() {
      clearTimeout(this._probeTimer);
      if (!(this._webSocketRetry > 0) || !this._WebSocket) return;
      const current = this._ws;
      this._probeTimer = setTimeout(() => this._tryWebSocket(current), this._webSocketRetry);
    }

    /**
     * Opens a WebSocket beside the SSE connection; if it says welcome in time it becomes the
     * connection (_adopt), otherwise it is closed and tried again later.
     */
    _tryWebSocket(current) {
      if (current !== this._ws || this._closed || this._transport !== 'sse') return;
      const url = new URL(this._urls[this._urlIndex]);
      if (this._currentToken) url.searchParams.set('token', this._currentToken);
      let probe;
      try {
        probe = new this._WebSocket(url.href);
      } catch (e) {
        this._scheduleProbe();
        return;
      }
      this._probe = probe;
      const giveUp = () => {
        if (this._probe !== probe) return;
        this._stopProbe();
        this._scheduleProbe();
      };
      const timer = setTimeout(giveUp, this._welcomeTimeout);
      probe.onopen = () => {};
      probe.onerror = () => {};
      probe.onclose = () => { clearTimeout(timer); giveUp(); };
      probe.onmessage = (e) => {
        if (this._probe !== probe) return;
        clearTimeout(timer);
        let frame;
        try {
          frame = JSON.parse(e.data);
        } catch (error) {
          frame = null;
        }
        if (!frame || frame.op !== 'welcome' || current !== this._ws) {
          giveUp();
          return;
        }
        this._probe = null;
        this._adopt(probe, e.data);
      };
    }

    _stopProbe() {
      clearTimeout(this._probeTimer);
      const probe = this._probe;
      this._probe = null;
      if (probe) {
        try {
          probe.close(1000, 'not needed');
        } catch (e) {
          // already closed
        }
      }
    }

    /**
     * Moves from the SSE connection to a WebSocket that has just said welcome: the SSE one ends
     * (its unconfirmed publishes reject as on any lost connection), the WebSocket resubscribes
     * every channel with `since`, so nothing is missed or handed over twice across the move.
     */
    _adopt(probe, welcomeText) {
      const old = this._ws;
      try {
        old.close(1000, 'moving to WebSocket');
      } catch (e) {
        // already closed
      }
      this._onClose(1000, 'moving to WebSocket', false);
      this._failures = 0;
      this._attempt = 0;
      this._setTransport('websocket');
      this._install(probe); // its handlers now those of the connection
      this._onOpen();
      this._onFrame(welcomeText);
    }

    // ---- frames ----------------------------------------------------------------------------

    _onFrame(text) {
      this._lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(text);
      } catch (e) {
        return; // not ours to repair; the server only sends JSON
      }
      switch (frame.op) {
        case 'welcome': {
          this._welcomed = true;
          this._failures = 0;
          clearTimeout(this._welcomeTimer);
          if (this._transport === 'sse') this._scheduleProbe();
          this.welcome = frame;
          const heartbeat = Number(frame.heartbeat);
          if (heartbeat > 0 && heartbeat !== this._heartbeat) this._startHeartbeat(heartbeat);
          if (frame.user != null) this._scheduleRefresh();
          this._emit('welcome', frame);
          break;
        }
        case 'event':
          this._onEvent(frame);
          break;
        case 'subscribed':
          this._onSubscribed(frame);
          break;
        case 'unsubscribed':
          this._onUnsubscribed(frame);
        case 'reply':
          this._settleSend(frame.id, null, frame.data);
          break;
        case 'published':
        case 'error':
          if (frame.op === 'error' && (this._sends.has(frame.id) || this._lateSends.has(frame.id))) {
            this._settleSend(frame.id, failure(frame.code || 'unknown', frame.message || 'send refused'));
            break;
          }
          this._onReply(frame);
          break;
        case 'ping':
          this._send(frame.id === undefined ? { op: 'pong' } : { op: 'pong', id: frame.id });
          break;
        case 'presence':
        case 'join':
        case 'leave':
          this._onPresence(frame);
          break;
        default:
          break; // pong, and ops of later protocol versions need no action
      }
    }

    _onEvent(frame) {
      const channel = frame.channel;
      if (channel === SESSION_CHANNEL) {
        this._onSessionEvent(frame);
        return;
      }
      const isUser = channel === USER_CHANNEL;
      const entry = this._channels.get(channel);
      const byServer = !entry && this._serverChannels.has(channel);
      if (!entry && !isUser && !byServer) return; // arrived just after an unsubscribe
      // At a reconnect seam the server may replay events this client already handled: drop them.
      if (!isAfter(frame.offset, this._offsets.get(channel))) return;
      if (typeof frame.offset === 'string') this._offsets.set(channel, frame.offset);
      const meta = { event: frame.event, channel, offset: frame.offset };
      if (isUser) this._emit('user', frame.data, meta);
      if (byServer) this._emit('event', frame.data, meta);
      if (entry) {
        for (const registration of Array.from(entry.handlers)) safely(registration.handler, frame.data, meta);
      }
    }

    _onSubscribed(frame) {
      if (frame.id !== undefined) this._subscribes.delete(frame.id);
      const entry = this._channels.get(frame.channel);
      if (!entry && frame.id === undefined && frame.channel !== USER_CHANNEL) {
        this._onServerSubscribed(frame);
        return;
      }
      if (!entry && frame.channel !== USER_CHANNEL) return;
      // Only move forward: live events may already have gone past the offset this reply reports.
      if (isAfter(frame.offset, this._offsets.get(frame.channel))) this._offsets.set(frame.channel, frame.offset);
      const recovery = { channel: frame.channel, recovered: frame.recovered === true, offset: frame.offset };
      if (entry && entry.since) {
        entry.retries = 0;
        entry.since = false;
        this._emit('recovered', recovery);
      } else if (frame.recovered === false) {
        // Unasked, on a live connection: the channel's history no longer continues what this
        // client saw (the server's Redis went back, or events were missed that history no longer
        // holds). What follows continues after frame.offset.
        this._emit('recovered', recovery);
      } else if (entry) {
        entry.retries = 0;
      }
    }

    // ---- server-side control ----------------------------------------------------------------

    /** Unasked, for a channel the page does not hold: the application subscribed this session to it. */
    _onServerSubscribed(frame) {
      this._serverChannels.add(frame.channel);
      if (isAfter(frame.offset, this._offsets.get(frame.channel))) this._offsets.set(frame.channel, frame.offset);
    }

    /**
     * With an id, the answer to this client's own unsubscribe; without one, the application
     * unsubscribed this session: the page's handlers of the channel stop and it is not resubscribed.
     * Either way the channel is no longer one the server gave (a lost notice may have made it look so).
     */
    _onUnsubscribed(frame) {
      const wasServers = this._serverChannels.delete(frame.channel);
      if (frame.id !== undefined) return;
      const entry = this._channels.get(frame.channel);
      if (!entry && !wasServers) return;
      if (entry) {
        this._channels.delete(frame.channel);
        clearTimeout(entry.retryTimer);
      }
      this._offsets.delete(frame.channel);
      this._emit('unsubscribed', { channel: frame.channel });
    }

    /** An event for this session alone: not in any history, so there is no offset to keep. */
    _onSessionEvent(frame) {
      this._emit('session', frame.data, { event: frame.event, channel: SESSION_CHANNEL });
    }

    /** A new socket is a new session: what the server subscribed the old one to is gone with it. */
    _forgetServerChannels() {
      for (const channel of this._serverChannels) this._offsets.delete(channel);
      this._serverChannels.clear();
    }

    /** Closed with 4403: stays closed, like close(), and says so. */
    _disconnectedByServer(code, reason) {
      this._closed = true;
      this.disconnected = { code, reason };
      for (const [id, request] of this._publishes) {
        this._publishes.delete(id);
        request.reject(failure('disconnected', 'Disconnected by the server: ' + reason));
      }
      this._emit('disconnected', { code, reason });
    }

    _onReply(frame) {
      const request = frame.id === undefined ? undefined : this._publishes.get(frame.id);
      if (frame.op === 'published') {
        if (!request) return;
        this._publishes.delete(frame.id);
        request.resolve(frame.offset);
        return;
      }
      const error = failure(frame.code || 'unknown', frame.message || 'request refused');
      if (request) {
        this._publishes.delete(frame.id);
        request.reject(error);
      } else {
        const channel = this._subscribes.get(frame.id);
        if (channel !== undefined) {
          this._subscribes.delete(frame.id);
          error.channel = channel; // e.g. forbidden: a private channel without identity
          // The server's bus is down for now: ask again later, as for a lost connection. Other
          // refusals (forbidden, bad_request, limits) would only be refused again.
          if (frame.code === 'unavailable') this._retrySubscribe(channel);
        }
        this._emit('error', error);
      }
    }

    /** Resolves (error null) or rejects the pending send `id` once; later answers to it are ignored. */
    _settleSend(id, error, data) {
      if (this._lateSends.delete(id)) return; // the server's answer to a send that timed out here
      const request = this._sends.get(id);
      if (!request) return; // answered already, timed out, or not ours
      this._sends.delete(id);
      clearTimeout(request.timer);
      if (error) request.reject(error);
      else request.resolve(data);
    }

    /** Subscribes `channel` again after a backoff delay, if it is still wanted then. */
    _retrySubscribe(channel) {
      const entry = this._channels.get(channel);
      if (!entry) return;
      const delay = backoffDelay(entry.retries || 0, this._minDelay, this._maxDelay);
      entry.retries = (entry.retries || 0) + 1;
      clearTimeout(entry.retryTimer);
      entry.retryTimer = setTimeout(() => {
        entry.retryTimer = null;
        // Unsubscribed meanwhile, or a reconnect has subscribed it already (_onOpen).
        if (this._channels.get(channel) !== entry || this._closed) return;
        if ([...this._subscribes.values()].includes(channel)) return;
        this._sendSubscribe(channel, entry);
      }, delay);
    }

    _sendSubscribe(channel, entry) {
      if (!this._isOpen) return; // sent from _onOpen instead
      const id = this._nextId++;
      const since = this._offsets.get(channel);
      entry.since = since !== undefined;
      this._subscribes.set(id, channel);
      this._send(entry.since ? { op: 'subscribe', id, channel, since } : { op: 'subscribe', id, channel });
    }

    /** Writes a frame if a socket is open; returns whether it did (otherwise it is resent on open). */
    _send(frame) {
      if (!this._isOpen) return false;
      try {
        this._ws.send(JSON.stringify(frame));
        return true;
      } catch (e) {
        return false; // socket closing under us; the close event follows
      }
    }

    _emit(type, ...args) {
      const set = this._listeners.get(type);
      if (set) for (const fn of Array.from(set)) safely(fn, ...args);
    }
  }

  Switchboard.backoffDelay = backoffDelay;
  Switchboard.toWebSocketUrl = toWebSocketUrl;
  Switchboard.toSseUrl = toSseUrl;
  Switchboard.isAfter = isAfter;
  Switchboard.tokenExpiry = tokenExpiry;
  Switchboard.refreshDelay = refreshDelay;
  return Switchboard;
});
