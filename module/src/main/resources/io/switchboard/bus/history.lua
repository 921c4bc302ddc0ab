-- Reads a topic's position and, when the caller's offset is of the current epoch, the retained
-- events after it. Events older than history_ttl_s are dropped first (see publish.lua), so a
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
local clock = redis.call('TIME')
local cutoff = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) - tonumber(ARGV[6]) * 1000
-- The two lists must stay in step (see publish.lua): keep the newest entries both have. Events
-- without a time can only make a replay report recovered = false, never a wrong replay.
local timed = redis.call('LLEN', KEYS[3])
local length = redis.call('LLEN', KEYS[2])
if length ~= timed then
  local both = math.min(length, timed)
  local longer = length > timed and KEYS[2] or KEYS[3]
  if both == 0 then
    redis.call('DEL', longer)
  else
    redis.call('LTRIM', longer, -both, -1)
  end
end
while true do
  local oldest = redis.call('LINDEX', KEYS[3], 0)
  if not oldest or tonumber(oldest) >= cutoff then
    break
  end
  redis.call('LPOP', KEYS[3])
  redis.call('LPOP', KEYS[2])
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
length = redis.call('LLEN', KEYS[2])
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
