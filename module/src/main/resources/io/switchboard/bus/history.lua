-- Reads a topic's position and, when the caller's offset is of the current epoch, the retained
-- events after it. Events older than history_ttl_s are dropped first (history-lists.lua, prepended), so a
-- read never returns what the age bound no longer keeps, even on a channel with no new events.
--
-- KEYS: meta, history, times
-- ARGV: since_epoch ('' for none), since_seq, limit, new_epoch, meta_ttl_s, history_ttl_s
-- Returns: { epoch, seq, first_retained_seq, wire_1, wire_2, ... }
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  -- Fix the epoch now, so the offset handed to a subscriber stays valid for the first publish.
  epoch = ARGV[4]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
end
align(KEYS[2], KEYS[3])
drop_older(KEYS[2], KEYS[3], now_ms() - tonumber(ARGV[6]) * 1000)
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local length = redis.call('LLEN', KEYS[2])
local first = seq - length + 1
local result = { epoch, tostring(seq), tostring(first) }
if ARGV[1] == epoch then
  local from = tonumber(ARGV[2]) + 1
  local start = from - first
  if start < 0 then
    start = 0
  end
  local limit = tonumber(ARGV[3])
  if limit > 0 and from <= seq then
    local items = redis.call('LRANGE', KEYS[2], start, start + limit - 1)
    for i = 1, #items do
      result[3 + i] = items[i]
    end
  end
end
return result
