  // ---- subscriptions, offsets and publish -------------------------------------------------------

  const USER_CHANNEL = '@user';    // channel of events addressed to this user

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

  addMethods({
    _initChannels() {
      this._channels = new Map();  // channel -> {handlers: Set<{handler}>, since: bool}
      this._offsets = new Map();   // channel -> last offset seen (from `subscribed` or `event`)
      this._publishes = new Map(); // request id -> {frame, sent, resolve, reject}, in call order
      this._subscribes = new Map(); // request id -> channel, to tell which channel an error refers to
    },

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
    },

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
    },

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
    },

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
    },

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
    },

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
    },

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
    },

    _sendSubscribe(channel, entry) {
      if (!this._isOpen) return; // sent from _onOpen instead
      const id = this._nextId++;
      const since = this._offsets.get(channel);
      entry.since = since !== undefined;
      this._subscribes.set(id, channel);
      this._send(entry.since ? { op: 'subscribe', id, channel, since } : { op: 'subscribe', id, channel });
    },
  });

  Switchboard.isAfter = isAfter;
