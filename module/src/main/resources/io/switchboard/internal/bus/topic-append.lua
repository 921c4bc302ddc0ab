-- Shared by publish.lua and presence.lua (RedisEventLog prepends it, after history-lists.lua and
-- topic-lineage.lua): appends one event to a topic's log and publishes it, in the same script call,
-- so that offsets, history and pub/sub order agree and nothing is ever half-published.
--
-- Offsets never repeat (topic-lineage.lua): a topic whose meta another Redis wrote last moves to a
-- new epoch before its next offset is handed out; a topic without meta (never published, or lost
-- with Redis's data) starts a new lineage at seq 1 with empty history.
--
-- The history is bounded by length (history_size), by bytes (history_bytes, at least the newest
-- event is kept) and by age (history_ttl_s); the meta hash expires twice as late, so a client holding
-- the last offset of a quiet topic still resumes (RedisEventLog.LINE_TTL_FACTOR).
--
-- Every call runs on the hot path, so it asks Redis as little as it can: the meta is read once
-- (lineage) and written once; the lists' lengths are RPUSH's answers; and these meta fields spare
-- the other calls:
--   hb  bytes the event list holds (the byte bound without reading the list);
--   to  a time at or before that of the oldest event the lists hold (ms): while it is within
--       history_ttl_s, no event is too old and the times list is not read. Dropping events only
--       makes the oldest newer, so it is rewritten only when the times list was read;
--   xp  when the keys' expiries were last pushed out (ms). They are pushed only every 1/8 of
--       history_ttl_s, each time that much further than the bound (ttl + ttl/8 for the lists,
--       2 ttl + ttl/8 for the meta), so nothing expires before its time: an event published less
--       than ttl/8 after the push is kept at least history_ttl_s. They are pushed at once when a
--       list is new (RPUSH answered 1) or when
--   ws  (the seq as this script last wrote it) differs from seq: a writer that sets its own expiries
--       (an earlier version, during a rolling upgrade) wrote since, and may have set them shorter.
--
-- me comes from incarnation(), read once per script call; durable is '1' when this Redis
-- acknowledges only writes that survive its restart. Returns the offset '<epoch>-<seq>'.
--
-- PUBLISH_COMMAND is 'PUBLISH', or 'SPUBLISH' in sharded pub/sub (a Redis 7 Cluster, where pubsub is in the
-- slot of the topic's keys): one line the bus puts before the script (PubSubMode.variants).
local function append_event(meta, history, times, pubsub, envelope, me, suffix, durable,
                            history_size, history_ttl, history_bytes)
  local now = me[3]
  local line = lineage(meta, me, suffix)
  local fields
  local epoch, seq, held, oldest, pushed
  if not line then
    -- No lineage: whatever the lists still hold belongs to offsets nobody can resume from.
    redis.call('DEL', history, times)
    epoch = new_epoch(now, suffix, nil)
    seq, held, oldest = 0, 0, now
    fields = { 'epoch', epoch, 'rid', me[1], 'rr', me[2], 'born', now, 'to', now }
  else
    epoch, seq, held, oldest = line[1], line[2], line[6], line[7]
    pushed = line[9] == seq and line[8] or nil
    fields = {}
  end
  seq = seq + 1
  local offset = epoch .. '-' .. seq
  local wire = offset .. ' ' .. envelope
  local push = not pushed or now - pushed >= history_ttl * 125 -- ms: 1/8 of the ttl
  if history_size > 0 then
    local length = redis.call('RPUSH', history, wire)
    local times_length = redis.call('RPUSH', times, now)
    if length ~= times_length then
      -- The lists lose entries only together (same expiry, trimmed together); one lost some alone
      -- (evicted, deleted): keep the newest entries both have, so they stay in step. Events without a
      -- time can only make a replay report recovered = false, never a wrong replay.
      local both = math.min(length, times_length)
      redis.call('LTRIM', length > times_length and history or times, -both, -1)
      length, held, oldest = both, nil, nil
    end
    if length == 1 or times_length == 1 then
      push = true -- a list (re)created by this RPUSH has no expiry yet
    end
    if length == 1 then
      held = #wire -- the list was (re)created: a count in the meta (lists expired before it) is of events gone
    else
      held = held and held + #wire or count_bytes(history)
    end
    held = drop_oldest(history, times, held, length, history_size, history_bytes)
    local cutoff = now - history_ttl * 1000
    if not oldest or oldest < cutoff then
      held, oldest = drop_older(history, times, cutoff, held) -- the event just added is never too old
      fields[#fields + 1] = 'to'
      fields[#fields + 1] = oldest or now
    end
    fields[#fields + 1] = 'hb'
    fields[#fields + 1] = held
  end
  if push then
    fields[#fields + 1] = 'xp'
    fields[#fields + 1] = now
  end
  if not line or line[5] ~= durable then
    fields[#fields + 1] = 'd'
    fields[#fields + 1] = durable
  end
  redis.call('HSET', meta, 'seq', seq, 'ws', seq, unpack(fields))
  if push then -- after the HSET, which may create the meta
    local slack = math.ceil(history_ttl / 8)
    if history_size > 0 then
      redis.call('EXPIRE', history, history_ttl + slack)
      redis.call('EXPIRE', times, history_ttl + slack)
    end
    redis.call('EXPIRE', meta, 2 * history_ttl + slack)
  end
  redis.call(PUBLISH_COMMAND, pubsub, wire)
  return offset
end
