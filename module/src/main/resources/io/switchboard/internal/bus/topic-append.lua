-- Shared by publish.lua and presence.lua (RedisEventLog prepends it, after history-lists.lua and
-- topic-lineage.lua): appends one event to a topic's log and publishes it, in the same script call,
-- so that offsets, history and pub/sub order agree and nothing is ever half-published.
--
-- Offsets never repeat (topic-lineage.lua): a topic whose meta another Redis process wrote last
-- moves to a new epoch before its next offset is handed out; a topic without meta (never published,
-- or lost with Redis's data) starts a new lineage at seq 1 with empty history.
--
-- The history is bounded by length (history_size), by bytes (history_bytes, at least the newest
-- event is kept) and by age (history_ttl_s); the meta hash expires twice as late, so a client holding
-- the last offset of a quiet topic still resumes (RedisEventLog.LINE_TTL_FACTOR).
--
-- now and rid come from now_ms() and incarnation(), read once per script call; durable is '1' when
-- this Redis acknowledges only writes that survive its restart. Returns the offset '<epoch>-<seq>'.
--
-- PUBLISH_COMMAND is 'PUBLISH', or 'SPUBLISH' in sharded pub/sub (a Redis 7 Cluster, where pubsub is in the
-- slot of the topic's keys): one line the bus puts before the script (PubSubMode.variants).
local function append_event(meta, history, times, pubsub, envelope, now, rid, suffix, durable,
                            history_size, history_ttl, history_bytes)
  local line = lineage(meta, rid, now, suffix)
  local epoch
  local held
  if not line then
    -- No lineage: whatever the lists still hold belongs to offsets nobody can resume from.
    redis.call('DEL', history, times)
    epoch = new_epoch(now, suffix, nil)
    redis.call('HSET', meta, 'epoch', epoch, 'rid', rid, 'born', now, 'd', durable, 'hb', 0)
    held = 0
  else
    epoch = line[1]
    held = line[6] or count_bytes(history)
    if line[5] ~= durable then
      redis.call('HSET', meta, 'd', durable)
    end
  end
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  local offset = epoch .. '-' .. seq
  local wire = offset .. ' ' .. envelope
  if history_size > 0 then
    held = align(history, times, held)
    redis.call('RPUSH', history, wire)
    redis.call('RPUSH', times, now)
    held = held + #wire
    held = drop_oldest(history, times, held, history_size, history_bytes)
    -- The event just added never has outlived history_ttl.
    held = drop_older(history, times, now - history_ttl * 1000, held)
    redis.call('HSET', meta, 'hb', held)
    redis.call('EXPIRE', history, history_ttl)
    redis.call('EXPIRE', times, history_ttl)
  end
  redis.call('EXPIRE', meta, 2 * history_ttl)
  redis.call(PUBLISH_COMMAND, pubsub, wire)
  return offset
end
