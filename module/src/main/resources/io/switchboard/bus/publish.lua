-- Publishes a batch of events atomically: for each event, take the next sequence number of its
-- topic, append it to the topic's history and PUBLISH it, all in one script so that offsets,
-- history and pub/sub order agree and nothing is ever half-published.
--
-- A topic's history is two lists kept in step (see history-lists.lua, prepended to this script),
-- bounded by length (history_size) and by age (history_ttl_s): events older than that are dropped
-- here and before every read.
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
local now = now_ms()
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
    align(history, times)
    redis.call('RPUSH', history, wire)
    redis.call('RPUSH', times, now)
    redis.call('LTRIM', history, -history_size, -1)
    redis.call('LTRIM', times, -history_size, -1)
    -- The event just added never has outlived history_ttl.
    drop_older(history, times, now - history_ttl * 1000)
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
