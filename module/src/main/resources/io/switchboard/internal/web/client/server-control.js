  // ---- server-side control (SPEC v1.1): server subscriptions, @session events, 4403 -------------

  const SESSION_CHANNEL = '@session'; // channel of events addressed to this one session
  const DISCONNECTED = 4403;       // close code: the application disconnected this user; never retried

  addMethods({
    _initServerControl() {
      this._serverChannels = new Set(); // channels the server subscribed this session to, not the page
      /** {code, reason} once the application disconnected this client (close 4403), else null. */
      this.disconnected = null;
    },

    /** Unasked, for a channel the page does not hold: the application subscribed this session to it. */
    _onServerSubscribed(frame) {
      this._serverChannels.add(frame.channel);
      if (isAfter(frame.offset, this._offsets.get(frame.channel))) this._offsets.set(frame.channel, frame.offset);
    },

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
    },

    /** An event for this session alone: not in any history, so there is no offset to keep. */
    _onSessionEvent(frame) {
      this._emit('session', frame.data, { event: frame.event, channel: SESSION_CHANNEL });
    },

    /** A new socket is a new session: what the server subscribed the old one to is gone with it. */
    _forgetServerChannels() {
      for (const channel of this._serverChannels) this._offsets.delete(channel);
      this._serverChannels.clear();
    },

    /** Closed with 4403: stays closed, like close(), and says so. */
    _disconnectedByServer(code, reason) {
      this._closed = true;
      this.disconnected = { code, reason };
      for (const [id, request] of this._publishes) {
        this._publishes.delete(id);
        request.reject(failure('disconnected', 'Disconnected by the server: ' + reason));
      }
      this._emit('disconnected', { code, reason });
    },
  });
