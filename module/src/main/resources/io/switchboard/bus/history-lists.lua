-- Shared by publish.lua and history.lua (RedisBus prepends it to both): a topic's history is two
-- lists kept in step, the events ('<offset> <envelope>') and the time each was published (ms,
-- Redis's clock).

-- Redis's clock in milliseconds.
local function now_ms()
  local clock = redis.call('TIME')
  return tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end

-- The lists lose entries only together (same expiry, trimmed together); should one have been lost
-- alone (evicted, deleted), keep the newest entries both still have, so they stay in step. Events
-- without a time can only make a replay report recovered = false, never a wrong replay.
local function align(history, times)
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
end

-- Oldest first: drops the events published before cutoff (ms).
local function drop_older(history, times, cutoff)
  while true do
    local oldest = redis.call('LINDEX', times, 0)
    if not oldest or tonumber(oldest) >= cutoff then
      break
    end
    redis.call('LPOP', times)
    redis.call('LPOP', history)
  end
end

