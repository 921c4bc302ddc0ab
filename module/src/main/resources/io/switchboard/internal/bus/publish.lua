-- Publishes a batch of events atomically: for each event, take the next sequence number of its
-- topic, append it to the topic's history and PUBLISH it, all in one script so that offsets,
-- history and pub/sub order agree and nothing is ever half-published.
--
-- Offsets never repeat (topic-lineage.lua, prepended): a topic whose meta another Redis process
-- wrote last moves to a new epoch before its next offset is handed out; a topic without meta
-- (never published, or lost with Redis's data) starts a new lineage at seq 1 with empty history.
--
-- A topic's history is two lists kept in step (history-lists.lua, prepended), bounded by length
-- (history_size), by bytes (history_bytes, at least the newest event is kept) and by age
-- (history_ttl_s): events older than that are dropped here and before every read. The meta hash
-- expires twice as late, so a client holding the last offset of a quiet channel still resumes.
--
-- With an idempotency key (keyed = '1'), the batch is published at most once per key: the key
-- remembers the offsets for history_ttl_s, and a repeat returns them without publishing.
--
-- KEYS: meta_1, history_1, times_1, meta_2, history_2, times_2, ..., [idempotency key]
-- ARGV: epoch_suffix, history_size, history_ttl_s, history_bytes, keyed ('0' or '1'),
--       durable_run_id (the run_id of the Redis process found to acknowledge only writes that survive
--       its restart, or ''; a write counts as durable only in that same process),
--       pubsub_1, envelope_1, pubsub_2, envelope_2, ...
-- Returns the offsets ('<epoch>-<seq>'), in order.
local suffix = ARGV[1]
local history_size = tonumber(ARGV[2])
local history_ttl = tonumber(ARGV[3])
local history_bytes = tonumber(ARGV[4])
local keyed = ARGV[5] == '1'
local FIRST_EVENT_ARG = 7
local topics = #KEYS
local idempotency = nil
if keyed then
  idempotency = KEYS[#KEYS]
  topics = topics - 1
  local first = redis.call('GET', idempotency)
  if first then
    local earlier = {}
    for offset in string.gmatch(first, '%S+') do
      earlier[#earlier + 1] = offset
    end
    return earlier
  end
end
local now = now_ms()
local rid = incarnation(now)
local durable = (ARGV[6] ~= '' and ARGV[6] == rid) and '1' or '0'
local offsets = {}
for i = 1, topics / 3 do
  local meta = KEYS[3 * i - 2]
  local history = KEYS[3 * i - 1]
  local times = KEYS[3 * i]
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
  local wire = offset .. ' ' .. ARGV[FIRST_EVENT_ARG + 2 * i - 1]
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
  redis.call('EXPIRE', meta, 2 * history_ttl) -- the line outlives its events (RedisBus.LINE_TTL_FACTOR)
  redis.call('PUBLISH', ARGV[FIRST_EVENT_ARG + 2 * i - 2], wire)
  offsets[i] = offset
end
if keyed then
  redis.call('SET', idempotency, table.concat(offsets, ' '), 'EX', math.max(1, history_ttl))
end
return offsets
