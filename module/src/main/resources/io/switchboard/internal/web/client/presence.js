  // ---- presence (protocol v1.1) -----------------------------------------------------------------

  addMethods({
    _initPresence() {
      this._presence = new Map();  // presence channel -> {members: Set|null, watchers: Set} (see presence())
    },

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
    },

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
    },

    _presenceCall(state, name, ...args) {
      for (const watcher of Array.from(state.watchers)) {
        const fn = watcher.callbacks[name];
        if (typeof fn === 'function') safely(fn, ...args);
      }
    },
  });
