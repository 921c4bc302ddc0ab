-- Reads a topic's position and the retained events after a caller's offset. Reading creates no
-- key: a topic that was never published (or whose data Redis lost) answers with no lineage, and the
-- caller stands at a marker instead (see Lineage). A meta written by another Redis process moves
-- to a new epoch here as when publishing (topic-lineage.lua, prepended), so the answer always speaks
-- for this Redis. Events older than history_ttl_s are dropped first (history-lists.lua, prepended),
-- so a read never returns what the age bound no longer keeps, even on a channel with no new events.
--
-- Where the events start ('from'): the caller's offset is placed on the topic's line of offsets:
-- of the current epoch, or of an earlier one that continued into it (a link), at most at the seq
-- where that epoch ended here; a marker stands before seq 1; any other offset is not on the line
-- and gets no events.
--
-- KEYS: meta, history, times
-- ARGV: since_epoch ('' for none), since_seq, limit, epoch_suffix, marker_suffix, history_ttl_s,
--       max_bytes (the page ends once its events hold that many bytes; at least one event)
-- Returns: { epoch ('' for none), seq, first_retained_seq, links, born, redis_started_ms, now_ms,
--            from ('' for none), wire_1, wire_2, ... }
local me = incarnation()
local now, started = me[3], start_time(me)
local line = lineage(KEYS[1], me, ARGV[4])
if not line then
  return { '', '0', '1', '', '0', tostring(started), tostring(now), '' }
end
local epoch = line[1]
local seq = line[2]
local held = line[6] or count_bytes(KEYS[2])
local aligned = align(KEYS[2], KEYS[3], held)
local kept = drop_older(KEYS[2], KEYS[3], now - tonumber(ARGV[6]) * 1000, aligned)
if kept ~= line[6] then
  redis.call('HSET', KEYS[1], 'hb', kept)
end
local length = redis.call('LLEN', KEYS[2])
local first = seq - length + 1
local result = { epoch, tostring(seq), tostring(first), line[3], line[4], tostring(started), tostring(now), '' }

local since_epoch = ARGV[1]
local since_seq = tonumber(ARGV[2])
local from = nil
if since_epoch == epoch then
  from = math.min(since_seq, seq) + 1
elseif since_epoch ~= '' and string.sub(since_epoch, -4) == ARGV[5] then
  from = 1
elseif since_epoch ~= '' then
  local tokens = {}
  for token in string.gmatch(line[3], '%S+') do
    tokens[#tokens + 1] = token
  end
  for i = 1, #tokens, 3 do
    if tokens[i] == since_epoch then
      from = math.min(since_seq, tonumber(tokens[i + 1])) + 1
    end
  end
end
if from == nil then
  return result
end
result[8] = tostring(from)
local limit = tonumber(ARGV[3])
local max_bytes = tonumber(ARGV[7])
if limit > 0 and from <= seq then
  -- Read in small chunks, so that a page cut short by bytes never made Redis copy the rest.
  local start = math.max(0, from - first)
  local bytes = 0
  local count = 0
  local chunk = 16
  while count < limit and bytes < max_bytes do
    local items = redis.call('LRANGE', KEYS[2], start + count, start + math.min(count + chunk, limit) - 1)
    for i = 1, #items do
      if bytes >= max_bytes then
        break
      end
      count = count + 1
      bytes = bytes + #items[i]
      result[8 + count] = items[i]
    end
    if #items < chunk then
      break
    end
  end
end
return result
