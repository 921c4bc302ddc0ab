  // ---- client tokens and their refresh ----------------------------------------------------------

  const MAX_REFRESH_LEAD = 60000;  // refresh a token at most this long before it expires...
  const MIN_REFRESH_GAP = 1000;    // ...and never more often than this

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

  addMethods({
    _initTokens(options) {
      this._token = options.token;
      this._refreshInterval = options.refreshInterval != null ? options.refreshInterval : 240000;
      this._currentToken = null;   // the token the current socket's identity rests on
      this._refreshTimer = null;
    },

    /** Asks the token function; always a promise, whether it answers at once or later. */
    _fetchToken() {
      try {
        return Promise.resolve(this._token());
      } catch (e) {
        return Promise.reject(e);
      }
    },

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
    },

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
    },
  });

  Switchboard.tokenExpiry = tokenExpiry;
  Switchboard.refreshDelay = refreshDelay;
