  // ---- transports: the SSE fallback and the way back --------------------------------------------

  const WELCOME_TIMEOUT = 5000;    // a connection without welcome by then counts as failed
  const FAILURES_BEFORE_SWITCH = 2; // consecutive failed connects before trying the other transport
  const WEBSOCKET_RETRY = 60000;   // while on SSE, try the WebSocket again this often

  addMethods({
    /** What carries the connection: 'websocket', or 'sse' where WebSockets do not get through. */
    get transport() {
      return this._transport;
    },

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
    },

    _sseAvailable() {
      return !!(this._EventSource && this._fetch && this._sseUrls.some((url) => url));
    },

    /** Whether the other transport could be tried: both exist, and SSE has a URL here. */
    _canSwitch() {
      return !!this._WebSocket && this._sseAvailable() && !!this._sseUrls[this._urlIndex];
    },

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
    },

    _setTransport(transport) {
      if (transport === this._transport) return;
      this._transport = transport;
      this._emit('transport', transport);
    },

    /** While on SSE, plans the next try of the WebSocket. */
    _scheduleProbe() {
      clearTimeout(this._probeTimer);
      if (!(this._webSocketRetry > 0) || !this._WebSocket) return;
      const current = this._ws;
      this._probeTimer = setTimeout(() => this._tryWebSocket(current), this._webSocketRetry);
    },

    /**
     * Opens a WebSocket beside the SSE connection; if it says welcome in time it becomes the
     * connection (_adopt), otherwise it is closed and tried again later.
     */
    _tryWebSocket(current) {
      if (current !== this._ws || this._closed || this._transport !== 'sse') return;
      let probe;
      try {
        probe = this._newWebSocket(this._currentToken);
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
        const texts = frameTexts(e.data); // the welcome first, and in a batch what followed it
        let frame;
        try {
          frame = JSON.parse(texts[0]);
        } catch (error) {
          frame = null;
        }
        if (!frame || frame.op !== 'welcome' || current !== this._ws) {
          giveUp();
          return;
        }
        this._probe = null;
        this._adopt(probe, texts);
      };
    },

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
    },

    /**
     * Moves from the SSE connection to a WebSocket that has just said welcome: the SSE one ends
     * (its unconfirmed publishes reject as on any lost connection), the WebSocket resubscribes
     * every channel with `since`, so nothing is missed or handed over twice across the move.
     */
    _adopt(probe, texts) {
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
      this._onMessage(probe, texts);
    },
  });
