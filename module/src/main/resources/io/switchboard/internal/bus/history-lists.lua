-- Shared by publish.lua and history.lua (RedisBus prepends it to both): a topic's history is two
-- lists kept in step, the events ('<offset> <envelope>') and the time each was published (ms,
-- Redis's clock). The meta field 'hb' counts the bytes the event list holds, so that the list can
-- be bounded by bytes without reading it; every function here takes that count and returns it
-- updated.

-- Redis's clock in milliseconds.
local function now_ms()
  local clock = redis.call('TIME')
  return tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end

-- Bytes of every event the list holds; only when the count cannot be trusted.
local function count_bytes(history)
  local bytes = 0
  for _, wire in ipairs(redis.call('LRANGE', history, 0, -1)) do
    bytes = bytes + #wire
  end
  return bytes
end

-- The lists lose entries only together (same expiry, trimmed together); should one have been lost
-- alone (evicted, deleted), keep the newest entries both still have, so they stay in step. Events
-- without a time can only make a replay report recovered = false, never a wrong replay.
local function align(history, times, held)
  local events_kept = redis.call('LLEN', history)
  local times_kept = redis.call('LLEN', times)
  if events_kept == 0 then
    if times_kept > 0 then
      redis.call('DEL', times)
    end
    return 0
  end
  if events_kept ~= times_kept then
    local both = math.min(events_kept, times_kept)
    local longer = events_kept > times_kept and history or times
    if both == 0 then
      redis.call('DEL', longer)
    else
      redis.call('LTRIM', longer, -both, -1)
    end
    return count_bytes(history)
  end
  return held
end

local function drop_first(history, times, held)
  redis.call('LPOP', times)
  local wire = redis.call('LPOP', history)
  return held - (wire and #wire or 0)
end

-- Oldest first: drops the events published before cutoff (ms). Returns the bytes held and the time
-- of the oldest event kept (nil when none is).
local function drop_older(history, times, cutoff, held)
  while true do
    local oldest = tonumber(redis.call('LINDEX', times, 0))
    if not oldest or oldest >= cutoff then
      return held, oldest
    end
    held = drop_first(history, times, held)
  end
end

-- Oldest first: drops events while the list (length entries) holds more than max_events or more
-- than max_bytes, always keeping the newest one. Returns the bytes held.
local function drop_oldest(history, times, held, length, max_events, max_bytes)
  while length > 1 and (length > max_events or held > max_bytes) do
    held = drop_first(history, times, held)
    length = length - 1
  end
  return held
end
