-- Publishes a batch of events atomically: for each event, take the next sequence number of its
-- topic, append it to the topic's history and PUBLISH it (append_event, topic-append.lua,
-- prepended), all in one script so that offsets, history and pub/sub order agree and nothing is
-- ever half-published.
--
-- A topic's history is two lists kept in step (history-lists.lua, prepended), bounded by length
-- (history_size), by bytes (history_bytes, at least the newest event is kept) and by age
-- (history_ttl_s): events older than that are dropped here and before every read.
--
-- With an idempotency key (keyed = '1'), the batch is published at most once per key: the key
-- remembers the offsets for history_ttl_s, and a repeat returns them without publishing.
--
-- KEYS: meta_1, history_1, times_1, meta_2, history_2, times_2, ..., [idempotency key]
-- ARGV: epoch_suffix, history_size, history_ttl_s, history_bytes, keyed ('0' or '1'),
--       durable_run_id (the run_id of the Redis process found to acknowledge only writes that survive
--       its restart, or ''; a write counts as durable only in that same process),
--       pubsub_1, envelope_1, pubsub_2, envelope_2, ...
-- Returns the offsets ('<epoch>-<seq>'), in order.
local suffix = ARGV[1]
local history_size = tonumber(ARGV[2])
local history_ttl = tonumber(ARGV[3])
local history_bytes = tonumber(ARGV[4])
local keyed = ARGV[5] == '1'
local FIRST_EVENT_ARG = 7
local topics = #KEYS
local idempotency = nil
if keyed then
  idempotency = KEYS[#KEYS]
  topics = topics - 1
  local first = redis.call('GET', idempotency)
  if first then
    local earlier = {}
    for offset in string.gmatch(first, '%S+') do
      earlier[#earlier + 1] = offset
    end
    return earlier
  end
end
local me = incarnation()
local durable = (ARGV[6] ~= '' and ARGV[6] == me[1]) and '1' or '0'
local offsets = {}
for i = 1, topics / 3 do
  offsets[i] = append_event(KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i], ARGV[FIRST_EVENT_ARG + 2 * i - 2],
      ARGV[FIRST_EVENT_ARG + 2 * i - 1], me, suffix, durable, history_size, history_ttl, history_bytes)
end
if keyed then
  redis.call('SET', idempotency, table.concat(offsets, ' '), 'EX', math.max(1, history_ttl))
end
return offsets
