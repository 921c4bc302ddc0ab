  // ---- the core: the class, connecting and reconnecting, heartbeat, frames ----------------------

  const DEFAULT_HEARTBEAT = 25000; // until the server's welcome says otherwise
  const STABLE_AFTER = 10000;      // a connection that lived this long resets the backoff

  /**
   * Delay before reconnect attempt number `attempt` (0-based): uniformly random in
   * [minDelay, min(maxDelay, minDelay * 2^(attempt+1))]. The randomness ("full jitter") spreads
   * out the clients of a node that just died so they do not all hit the survivors at once.
   */
  function backoffDelay(attempt, minDelay, maxDelay, random = Math.random) {
    const cap = Math.min(maxDelay, minDelay * Math.pow(2, attempt + 1));
    return Math.round(minDelay + random() * Math.max(0, cap - minDelay));
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

  const utf8 = typeof TextDecoder !== 'undefined' ? new TextDecoder() : null;

  /**
   * The frames in one message (SPEC v1.1): a text or binary (UTF-8) message holds one frame, or
   * several separated by '\n' when the client asked for batches. Empty parts are skipped.
   */
  function frameTexts(data) {
    const text = typeof data === 'string' ? data : utf8 ? utf8.decode(data) : null;
    if (text === null) return [];
    if (text.indexOf('\n') < 0) return [text];
    return text.split('\n').filter((part) => part !== '');
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

  class Switchboard {
    /**
     * @param {string|URL|Array<string|URL>} urls one endpoint or several to fail over across, in order
     * @param {{token?: string|function(): (string|Promise<string>), refreshInterval?: number,
     *          minDelay?: number, maxDelay?: number, WebSocket?: function, sse?: boolean,
     *          webSocketRetry?: number, welcomeTimeout?: number, EventSource?: function,
     *          fetch?: function, batch?: boolean, binary?: boolean}} [options] token may be a
     *          function, asked again before every connect and before the token expires;
     *          refreshInterval (ms) is how often to refresh tokens whose expiry cannot be read;
     *          sse: false turns the SSE fallback off; webSocketRetry (ms, 0: never) is how often to
     *          try the WebSocket again while on SSE; batch: false and binary: false ask the server
     *          for one text message per frame (by default the WebSocket asks for batched binary
     *          messages, SPEC v1.1, which cost the server less; handled the same here)
     */
    constructor(urls, options = {}) {
      const list = Array.isArray(urls) ? urls : [urls];
      if (list.length === 0) throw new TypeError('Switchboard: no URL given');
      this._urls = list.map(toWebSocketUrl);
      this._initTokens(options);
      this._minDelay = options.minDelay != null ? options.minDelay : 500;
      this._maxDelay = Math.max(this._minDelay, options.maxDelay != null ? options.maxDelay : 15000);
      this._WebSocket = options.WebSocket || (typeof WebSocket !== 'undefined' ? WebSocket : null);
      this._batch = options.batch !== false;
      this._binary = options.binary !== false && utf8 !== null; // binary frames need a UTF-8 decoder
      this._initFallback(options);
      if (!this._WebSocket && !this._sseAvailable()) {
        throw new TypeError('Switchboard: no WebSocket implementation available');
      }
      if (!this._WebSocket) this._transport = 'sse';

      this._listeners = new Map(); // 'open' | 'close' | ... -> Set<fn>
      this._nextId = 1;            // request ids, one sequence for every kind of request
      this._initChannels();
      this._initSends();
      this._initPresence();
      this._initServerControl();

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
      this._connect();
    }

    /** Whether a socket is open right now. */
    get connected() {
      return this._isOpen;
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

    // ---- connection lifecycle -------------------------------------------------------------------

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

    _open(token) {
      if (this._closed) return;
      const sse = this._transport === 'sse';
      this._currentToken = token || null;
      let ws;
      try {
        ws = sse ? new SseSocket(this._sseUrl(token), this._EventSource, this._fetch) : this._newWebSocket(token);
      } catch (e) {
        this._emit('error', e);
        this._noteFailure();
        this._scheduleReconnect();
        return;
      }
      this._install(ws);
    }

    /** A WebSocket to the current URL, asking for the frame options (batch, binary) this client wants. */
    _newWebSocket(token) {
      const url = new URL(this._urls[this._urlIndex]);
      if (token) url.searchParams.set('token', token);
      if (this._batch) url.searchParams.set('batch', '1');
      if (this._binary) url.searchParams.set('binary', '1');
      const ws = new this._WebSocket(url.href);
      if (this._binary) ws.binaryType = 'arraybuffer'; // decoded at once, in order (a Blob would not be)
      return ws;
    }

    _sseUrl(token) {
      const url = new URL(this._sseUrls[this._urlIndex]);
      if (token) url.searchParams.set('token', token);
      return url.href;
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
      ws.onmessage = (e) => { this._onMessage(ws, frameTexts(e.data)); };
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

    // ---- frames ---------------------------------------------------------------------------------

    /** Handles a message's frames in order, while `ws` is still the current socket (a frame may end it). */
    _onMessage(ws, texts) {
      for (const text of texts) {
        if (ws !== this._ws) return;
        this._onFrame(text);
      }
    }

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
          break;
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

  /**
   * Adds a concern's methods (and getters) to the class as its body would have: not enumerable.
   * A name another part already defined is refused, so two parts cannot silently replace each other.
   */
  function addMethods(methods) {
    const descriptors = Object.getOwnPropertyDescriptors(methods);
    for (const name of Object.keys(descriptors)) {
      if (Object.prototype.hasOwnProperty.call(Switchboard.prototype, name)) {
        throw new Error('Switchboard: ' + name + ' is defined by two parts of client.js');
      }
      Object.defineProperty(Switchboard.prototype, name, Object.assign(descriptors[name], { enumerable: false }));
    }
  }

  Switchboard.backoffDelay = backoffDelay;
  Switchboard.toWebSocketUrl = toWebSocketUrl;
