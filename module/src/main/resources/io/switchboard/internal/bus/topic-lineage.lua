-- Shared by publish.lua and history.lua (RedisBus prepends it to both): which lineage of offsets a
-- topic's meta hash describes, and the rule that keeps an offset from ever being handed out twice.
--
-- Redis may come back with an older state than the one it acknowledged: restarted from an RDB
-- snapshot or from an AOF written every second, or a replica promoted before it had the last
-- writes. The meta hash is then present but its sequence is behind offsets that clients already
-- hold. What Redis loses together with those writes is its own history as a master: every start has
-- a new run_id, and every change of role (a replica promoted, a master demoted to a replica of
-- another and later promoted again, with the data of that other) a new replication id
-- (master_replid), while a master that keeps its role keeps both. So the meta remembers both of the
-- Redis that last wrote it; when a Redis with another run_id or replication id reads or writes it,
-- the topic moves to a NEW epoch that continues the sequence from what this Redis still has, and
-- records where the old epoch ended here ("links"). Whoever holds an offset of the old epoch can
-- then tell whether it is still on the line (its seq is at most the recorded end) or saw events this
-- Redis no longer has (it is past the end). The run_id alone would not do: a master cut off, made a
-- replica of the new master (its data replaced by one where the topic's meta may still name it, as
-- nobody wrote the topic there) and promoted again keeps its run_id, and would hand out again the
-- offsets it acknowledged before the cut.
--
-- Meta fields: epoch, seq, rid (run_id of the last writer), rr (its master_replid; a meta without
-- it, written before it was kept, moves to a new epoch once), born (ms; when seq 1 was handed out),
-- d ('1' when the last write was acknowledged only once durable), links ('<epoch> <end> <d> ...',
-- oldest first, at most MAX_LINKS), and those of topic-append.lua (hb, to, xp, ws).
local MAX_LINKS = 16
local BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz'

-- Epochs are 9 base-36 digits of a time in ms, then 4 capital letters: they sort by time, so a
-- newer epoch is recognised as newer by any node or client (protocol/Offset does the same).
local function epoch_time(epoch)
  if epoch and #epoch == 13 then
    local digits = string.match(epoch, '^([0-9a-z]+)[A-Z][A-Z][A-Z][A-Z]$')
    if digits and #digits == 9 then
      return tonumber(digits, 36)
    end
  end
  return 0
end

local function new_epoch(now, suffix, previous)
  local t = math.max(now, epoch_time(previous) + 1) -- later than the one it replaces, whatever the clocks
  local digits = ''
  while t > 0 do
    local d = t % 36
    digits = string.sub(BASE36, d + 1, d + 1) .. digits
    t = math.floor(t / 36)
  end
  return string.rep('0', 9 - #digits) .. digits .. suffix
end

-- One field of INFO's text. A plain find, then a match anchored where the value starts: a pattern
-- search through the whole text would cost the script more than INFO itself.
local function info_field(info, name)
  local at = string.find(info, '\n' .. name .. ':', 1, true)
  return at and string.match(info, '^[^\r\n]*', at + #name + 2) or nil
end

-- This Redis as a writer: { run_id, master_replid, now (ms, Redis's clock), INFO's text }, from one
-- INFO call (two sections in one call needs Redis 7, which tells its version to scripts; older ones
-- are asked twice).
local function incarnation()
  local info
  if (redis.REDIS_VERSION_NUM or 0) >= 0x070000 then
    info = redis.call('INFO', 'server', 'replication')
  else
    info = redis.call('INFO', 'server') .. redis.call('INFO', 'replication')
  end
  local usec = tonumber(info_field(info, 'server_time_usec'))
  return { info_field(info, 'run_id'), info_field(info, 'master_replid') or '',
           usec and math.floor(usec / 1000) or now_ms(), info }
end

-- When this Redis started (ms, to the second).
local function start_time(me)
  local uptime = tonumber(info_field(me[4], 'uptime_in_seconds')) or 0
  -- uptime is a difference of whole seconds, off by up to one either way: the start is placed as late
  -- as it can be, so that a marker handed out around a restart is not trusted
  return me[3] - (uptime - 1) * 1000
end

local function append_link(links, epoch, seq, durable)
  local tokens = {}
  for token in string.gmatch(links or '', '%S+') do
    tokens[#tokens + 1] = token
  end
  tokens[#tokens + 1] = epoch
  tokens[#tokens + 1] = seq
  tokens[#tokens + 1] = durable
  local first = math.max(1, #tokens - 3 * MAX_LINKS + 1)
  return table.concat(tokens, ' ', first)
end

-- Reads the topic's meta and, if another Redis (run_id or replication id, see incarnation) wrote it
-- last, moves it to a new epoch that continues the sequence. Returns nil when the topic has no
-- lineage (never published, or lost), else { epoch, seq (number), links, born, d, hb, to, xp, ws }
-- (the last four nil when unknown).
local function lineage(meta, me, suffix)
  local m = redis.call('HMGET', meta, 'epoch', 'seq', 'rid', 'links', 'born', 'd', 'hb', 'rr', 'to', 'xp', 'ws')
  local epoch = m[1]
  if not epoch then
    return nil
  end
  local seq = m[2] or '0'
  local links = m[4] or ''
  if m[3] ~= me[1] or m[8] ~= me[2] then
    links = append_link(links, epoch, seq, m[6] == '1' and '1' or '0')
    epoch = new_epoch(me[3], suffix, epoch)
    redis.call('HSET', meta, 'epoch', epoch, 'rid', me[1], 'rr', me[2], 'links', links)
  end
  -- hb may be missing (a meta written before it was kept): the caller counts the list then.
  return { epoch, tonumber(seq), links, m[5] or '0', m[6] or '0', tonumber(m[7]), tonumber(m[9]), tonumber(m[10]),
           tonumber(m[11]) }
end
