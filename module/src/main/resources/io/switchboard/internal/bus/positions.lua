-- Where topics stand, several at once: for each topic the current offset that history.lua answers
-- with no caller's offset (epoch and seq, or no lineage: the caller then stands at a marker of
-- now_ms). One INFO serves every topic of the call. As in history.lua, a meta written by another
-- Redis process moves to a new epoch here (topic-lineage.lua, prepended), so the answer always
-- speaks for this Redis; reading creates no key. Events are not read, so none are aged out here
-- (publishing and history reads do that).
--
-- KEYS: the meta of each topic (in Redis Cluster, all of one hash slot)
-- ARGV: epoch_suffix
-- Returns: { now_ms, epoch_1 ('' for none), seq_1, epoch_2, seq_2, ... }
local me = incarnation()
local result = { tostring(me[3]) }
for i = 1, #KEYS do
  local line = lineage(KEYS[i], me, ARGV[1])
  if line then
    result[2 * i] = line[1]
    result[2 * i + 1] = tostring(line[2])
  else
    result[2 * i] = ''
    result[2 * i + 1] = '0'
  end
end
return result
