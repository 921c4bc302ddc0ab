  // ---- the SSE transport: a stream of frames, each request POSTed -------------------------------

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

  Switchboard.toSseUrl = toSseUrl;
