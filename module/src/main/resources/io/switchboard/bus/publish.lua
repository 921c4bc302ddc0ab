-- Publishes a batch of events atomically: for each event, take the next sequence number of its
-- topic, append it to the topic's history and PUBLISH it, all in one script so that offsets,
-- history and pub/sub order agree and nothing is ever half-published.
--
-- KEYS: meta_1, history_1, meta_2, history_2, ...   (a topic's meta hash holds 'seq' and 'epoch')
-- ARGV: new_epoch, history_size, history_ttl_s, meta_ttl_s, pubsub_1, envelope_1, pubsub_2, envelope_2, ...
-- Returns the offsets ('<epoch>-<seq>'), in order.
local history_size = tonumber(ARGV[2])
local history_ttl = tonumber(ARGV[3])
local meta_ttl = tonumber(ARGV[4])
local offsets = {}
for i = 1, #KEYS / 2 do
  local meta = KEYS[2 * i - 1]
  local history = KEYS[2 * i]
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
  local wire = offset .. ' ' .. ARGV[4 + 2 * i]
  if history_size > 0 then
    redis.call('RPUSH', history, wire)
    redis.call('LTRIM', history, -history_size, -1)
    redis.call('EXPIRE', history, history_ttl)
  end
  redis.call('PUBLISH', ARGV[3 + 2 * i], wire)
  offsets[i] = offset
end
return offsets
