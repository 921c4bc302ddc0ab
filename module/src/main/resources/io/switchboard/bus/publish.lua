-- Publishes a batch of events atomically: for each event, take the next sequence number of its
-- topic, append it to the topic's history and PUBLISH it, all in one script so that offsets,
-- history and pub/sub order agree and nothing is ever half-published.
--
-- A topic's history is two lists kept in step: the events ('<offset> <envelope>') and the time
-- each was published (ms, Redis's clock). History is bounded by length (history_size) and by
-- age (history_ttl_s): events older than that are dropped here and before every read.
--
-- With an idempotency key (keyed = '1'), the batch is published at most once per key: the key
-- remembers the offsets for history_ttl_s, and a repeat returns them without publishing.
--
-- KEYS: meta_1, history_1, times_1, meta_2, history_2, times_2, ..., [idempotency key]
--       (meta holds 'seq' and 'epoch')
-- ARGV: new_epoch, history_size, history_ttl_s, meta_ttl_s, keyed ('0' or '1'),
--       pubsub_1, envelope_1, pubsub_2, envelope_2, ...
-- Returns the offsets ('<epoch>-<seq>'), in order.
local history_size = tonumber(ARGV[2])
local history_ttl = tonumber(ARGV[3])
local meta_ttl = tonumber(ARGV[4])
local keyed = ARGV[5] == '1'
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
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local offsets = {}
for i = 1, topics / 3 do
  local meta = KEYS[3 * i - 2]
  local history = KEYS[3 * i - 1]
  local times = KEYS[3 * i]
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  local epoch = redis.call('HGET', meta, 'epoch')
  if not epoch then
    -- The meta hash was lost (Redis restarted empty, or it expired): a new epoch, so that no
    -- offset handed out before can be mistaken for one of the new sequence.
    epoch = ARGV[1]
    redis.call('HSET', meta, 'epoch', epoch)
  end
  redis.call('EXPIRE', meta, meta_ttl)
  local offset = epoch .. '-' .. seq
  local wire = offset .. ' ' .. ARGV[5 + 2 * i]
  if history_size > 0 then
    -- The lists lose entries only together (same expiry, trimmed together); should one have been
    -- lost alone (evicted, deleted), keep the newest entries both still have, so they stay in step.
    local events_kept = redis.call('LLEN', history)
    local times_kept = redis.call('LLEN', times)
    if events_kept ~= times_kept then
      local both = math.min(events_kept, times_kept)
      local longer = events_kept > times_kept and history or times
      if both == 0 then
        redis.call('DEL', longer)
      else
        redis.call('LTRIM', longer, -both, -1)
      end
    end
    redis.call('RPUSH', history, wire)
    redis.call('RPUSH', times, now)
    redis.call('LTRIM', history, -history_size, -1)
    redis.call('LTRIM', times, -history_size, -1)
    -- Oldest first: drop what has outlived history_ttl (the event just added never has).
    local cutoff = now - history_ttl * 1000
    while true do
      local oldest = redis.call('LINDEX', times, 0)
      if not oldest or tonumber(oldest) >= cutoff then
        break
      end
      redis.call('LPOP', times)
      redis.call('LPOP', history)
    end
    redis.call('EXPIRE', history, history_ttl)
    redis.call('EXPIRE', times, history_ttl)
  end
  redis.call('PUBLISH', ARGV[4 + 2 * i], wire)
  offsets[i] = offset
end
if keyed then
  redis.call('SET', idempotency, table.concat(offsets, ' '), 'EX', math.max(1, history_ttl))
end
return offsets
