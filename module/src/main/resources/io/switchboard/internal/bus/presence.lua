-- A presence channel's members by node, and its joins and leaves as events of its presence topic
-- (append_event, topic-append.lua, prepended), decided and published in one atomic step. The same
-- rule as bus/PresenceLedger.java (LocalBus), in the same order: keep the two alike.
--
-- State, under the presence topic's hash tag (one slot with its log):
--   nodes          hash: node id -> lease end (ms, Redis's clock); a node is listed while it holds users
--   <of_prefix><node>  set: the users that node holds on the channel
-- A user is a member while some listed node's set holds them: joins when the first set gets them,
-- leaves when the last lets go. A node whose lease ran out is swept by the next write of another
-- node or the next read: removed from the hash first, then each of its users leaves unless another
-- listed node holds them. Scripts run one at a time, so two nodes that notice the same expiry sweep
-- it once. Both keys expire state_ttl_s after the last write, so a channel whose nodes all died
-- leaves nothing behind.
--
-- KEYS: meta, history, times (the presence topic's log), nodes
-- ARGV: op ('write' | 'read'), of_prefix, pubsub, epoch_suffix, history_size, history_ttl_s,
--       history_bytes, durable_run_id, state_ttl_s,
--       write only: node, lease_ms, full ('1': the users below are all the node holds; '0': a delta),
--                   added_count, added_1 .. added_n, removed_1 .. (a full write removes nothing by name)
-- Returns: write: { '1' } applied, { '0' } a delta refused because the node holds no share here (write
--          in full); read: { epoch ('' if the topic has no events), seq, now_ms, member_1, ... } (sorted)
local OF = ARGV[2]
local history_size = tonumber(ARGV[5])
local history_ttl = tonumber(ARGV[6])
local history_bytes = tonumber(ARGV[7])
local state_ttl = tonumber(ARGV[9])
local me = incarnation()
local now = me[3]
local durable = (ARGV[8] ~= '' and ARGV[8] == me[1]) and '1' or '0'

local function announce(event, user, node)
  local envelope = cjson.encode({ event = event, data = user, node = node })
  append_event(KEYS[1], KEYS[2], KEYS[3], ARGV[3], envelope, me, ARGV[4], durable,
      history_size, history_ttl, history_bytes)
end

local function held_elsewhere(user, node)
  for _, other in ipairs(redis.call('HKEYS', KEYS[4])) do
    if other ~= node and redis.call('SISMEMBER', OF .. other, user) == 1 then
      return true
    end
  end
  return false
end

local function sorted(list)
  table.sort(list)
  return list
end

-- Removes the listed nodes whose lease ran out (all but `except`); their users leave unless held elsewhere.
local function sweep(except)
  local entries = redis.call('HGETALL', KEYS[4])
  local expired = {}
  for i = 1, #entries, 2 do
    local lease = tonumber(entries[i + 1])
    if entries[i] ~= except and (lease == nil or lease <= now) then
      expired[#expired + 1] = entries[i]
    end
  end
  for _, node in ipairs(sorted(expired)) do
    redis.call('HDEL', KEYS[4], node)
    for _, user in ipairs(sorted(redis.call('SMEMBERS', OF .. node))) do
      if not held_elsewhere(user, node) then
        announce('leave', user, node)
      end
    end
    redis.call('DEL', OF .. node)
  end
end

if ARGV[1] == 'read' then
  sweep(nil)
  local line = lineage(KEYS[1], me, ARGV[4])
  local result = { line and line[1] or '', line and tostring(line[2]) or '0', tostring(now) }
  local members = {}
  for _, node in ipairs(redis.call('HKEYS', KEYS[4])) do
    for _, user in ipairs(redis.call('SMEMBERS', OF .. node)) do
      members[user] = true
    end
  end
  local names = {}
  for user in pairs(members) do
    names[#names + 1] = user
  end
  for _, user in ipairs(sorted(names)) do
    result[#result + 1] = user
  end
  return result
end

local node = ARGV[10]
local lease = tonumber(ARGV[11])
local full = ARGV[12] == '1'
local added_count = tonumber(ARGV[13])
local FIRST_ADDED = 14
local set = OF .. node
sweep(node)
if not full and redis.call('HEXISTS', KEYS[4], node) == 0 then
  return { '0' }
end
local added = {}
for i = FIRST_ADDED, FIRST_ADDED + added_count - 1 do
  added[#added + 1] = ARGV[i]
end
local removed = {}
if full then
  local keep = {}
  for _, user in ipairs(added) do
    keep[user] = true
  end
  for _, user in ipairs(redis.call('SMEMBERS', set)) do
    if not keep[user] then
      removed[#removed + 1] = user
    end
  end
else
  for i = FIRST_ADDED + added_count, #ARGV do
    removed[#removed + 1] = ARGV[i]
  end
end
for _, user in ipairs(sorted(removed)) do
  if redis.call('SREM', set, user) == 1 and not held_elsewhere(user, node) then
    announce('leave', user, node)
  end
end
for _, user in ipairs(sorted(added)) do
  if redis.call('SADD', set, user) == 1 and not held_elsewhere(user, node) then
    announce('join', user, node)
  end
end
if redis.call('SCARD', set) == 0 then
  redis.call('HDEL', KEYS[4], node)
else
  redis.call('HSET', KEYS[4], node, now + lease)
  redis.call('EXPIRE', set, state_ttl)
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('EXPIRE', KEYS[4], state_ttl)
end
return { '1' }
