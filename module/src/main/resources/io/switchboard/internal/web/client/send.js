  // ---- send(): messages to the server's handlers, and their replies -----------------------------

  const DEFAULT_SEND_TIMEOUT = 10000; // how long send() waits for its reply by default

  addMethods({
    _initSends() {
      this._sends = new Map();     // request id -> {frame, sent, resolve, reject, timer}, see send()
      this._lateSends = new Set(); // ids of sends written to this socket that timed out: the server still answers each once
    },

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
    },

    /** Resolves (error null) or rejects the pending send `id` once; later answers to it are ignored. */
    _settleSend(id, error, data) {
      if (this._lateSends.delete(id)) return; // the server's answer to a send that timed out here
      const request = this._sends.get(id);
      if (!request) return; // answered already, timed out, or not ours
      this._sends.delete(id);
      clearTimeout(request.timer);
      if (error) request.reject(error);
      else request.resolve(data);
    },
  });
