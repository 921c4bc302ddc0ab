-- Reads a topic's position and, when the caller's offset is of the current epoch, the retained
-- events after it. Events older than history_ttl_s are dropped first (history-lists.lua, prepended), so a
-- read never returns what the age bound no longer keeps, even on a channel with no new events.
--
-- KEYS: meta, history, times
-- ARGV: since_epoch ('' for none), since_seq, limit, new_epoch, meta_ttl_s, history_ttl_s, max_bytes
-- The events returned are a page: at most limit of them, and no more once their bytes reach
-- max_bytes (but at least one), so that no reply holds a whole large history; the caller reads
-- the next page from the last offset it got.
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
    -- Read in small chunks, so that a page cut short by bytes never made Redis copy the rest.
    local max_bytes = tonumber(ARGV[7])
    local bytes = 0
    local count = 0
    local chunk = 16
    while count < limit and (count == 0 or bytes < max_bytes) do
      local items = redis.call('LRANGE', KEYS[2], start + count, start + math.min(count + chunk, limit) - 1)
      if #items == 0 then
        break
      end
      for i = 1, #items do
        if count > 0 and bytes >= max_bytes then
          break
        end
        count = count + 1
        bytes = bytes + #items[i]
        result[3 + count] = items[i]
      end
      if #items < chunk then
        break
      end
    end
  end
end
return result
