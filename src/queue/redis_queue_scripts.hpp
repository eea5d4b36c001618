#pragma once
// The Lua scripts behind the Redis Streams queue: each runs atomically on the server.
// Keys, in this order everywhere: 1 stream, 2 delayed (zset detection -> due ms),
// 3 entries (hash detection -> stream entry id), 4 attempts (hash detection -> attempts used by
// earlier entries), 5 dead (hash detection -> last error). ARGV[1] is the group.
// A job's attempt = attempts[detection] + the delivery count of its current stream entry.

namespace ov::queue::scripts {

inline constexpr const char* kNow =
    "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + "
    "math.floor(tonumber(t[2]) / 1000) ";

// ARGV: group, detection, max_depth. 1 queued, -1 full, -2 has a job already.
inline constexpr const char* kEnqueue = R"lua(
local d = ARGV[2]
if redis.call('HEXISTS', KEYS[3], d) == 1 or redis.call('ZSCORE', KEYS[2], d)
   or redis.call('HEXISTS', KEYS[5], d) == 1 then return -2 end
local pending = redis.call('XPENDING', KEYS[1], ARGV[1])[1]
local depth = redis.call('XLEN', KEYS[1]) - pending + redis.call('ZCARD', KEYS[2])
if depth >= tonumber(ARGV[3]) then return -1 end
redis.call('HDEL', KEYS[4], d)
redis.call('HSET', KEYS[3], d, redis.call('XADD', KEYS[1], '*', 'd', d))
return 1
)lua";

// ARGV: group, consumer, min_idle_ms. Moves due retries into the stream, then takes an entry
// idle for min_idle_ms (a lost lease) or else a new one, without blocking.
// Returns {entry id, detection, attempt} or nil.
inline constexpr const char* kClaim = R"lua(
for _, d in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)) do
  redis.call('HSET', KEYS[3], d, redis.call('XADD', KEYS[1], '*', 'd', d))
  redis.call('ZREM', KEYS[2], d)
end
local entry = nil
for _ = 1, 10 do
  local idle = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[3], '-', '+', 1)
  if #idle == 0 then break end
  local got = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], idle[1][1])
  if got[1] then entry = got[1] break end
end
if not entry then
  local read = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1,
                          'STREAMS', KEYS[1], '>')
  if not read then return nil end
  entry = read[1][2][1]
end
local d = entry[2][2]
local p = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
return {entry[1], d, tonumber(redis.call('HGET', KEYS[4], d) or '0') + p[1][4]}
)lua";

// ARGV: group, entry id, detection. The attempt of an entry just read.
inline constexpr const char* kAttempt = R"lua(
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 then return 0 end
return tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '0') + p[1][4]
)lua";

// Shared head of the lease calls. ARGV: group, entry id, consumer, attempt, detection.
// Returns 0 unless that consumer still holds that entry at that attempt.
inline constexpr const char* kHolds = R"lua(
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
if tonumber(redis.call('HGET', KEYS[4], ARGV[5]) or '0') + p[1][4] ~= tonumber(ARGV[4]) then
  return 0
end
)lua";

// Resets the entry's idle time (JUSTID leaves the delivery count alone).
inline constexpr const char* kExtend = R"lua(
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
)lua";

inline constexpr const char* kComplete = R"lua(
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[5])
redis.call('HDEL', KEYS[4], ARGV[5])
return 1
)lua";

// ARGV 6: error, 7: "1" dead / "0" retry, 8: retry delay ms.
inline constexpr const char* kFail = R"lua(
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[5])
if ARGV[7] == '1' then
  redis.call('HDEL', KEYS[4], ARGV[5])
  redis.call('HSET', KEYS[5], ARGV[5], ARGV[6])
else
  redis.call('HSET', KEYS[4], ARGV[5], ARGV[4])
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[8]), ARGV[5])
end
return 1
)lua";

// ARGV: group, detection. 1 when something went.
inline constexpr const char* kRemove = R"lua(
local n = 0
local id = redis.call('HGET', KEYS[3], ARGV[2])
if id then
  redis.call('XACK', KEYS[1], ARGV[1], id)
  n = n + redis.call('XDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[3], ARGV[2])
end
n = n + redis.call('ZREM', KEYS[2], ARGV[2]) + redis.call('HDEL', KEYS[5], ARGV[2])
redis.call('HDEL', KEYS[4], ARGV[2])
if n > 0 then return 1 end
return 0
)lua";

// ARGV: group, job ids... For each: its state ("waiting": a stream entry not delivered yet or
// a retry due later; "running": delivered, unacknowledged; "dead"; "absent") and the dead
// entry's last error ("" otherwise).
inline constexpr const char* kStates = R"lua(
local out = {}
for i = 2, #ARGV do
  local d = ARGV[i]
  local state, err = 'absent', ''
  local entry = redis.call('HGET', KEYS[3], d)
  if entry then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], entry, entry, 1)
    if #p > 0 then state = 'running'
    elseif #redis.call('XRANGE', KEYS[1], entry, entry) > 0 then state = 'waiting' end
  elseif redis.call('ZSCORE', KEYS[2], d) then state = 'waiting'
  else
    local dead = redis.call('HGET', KEYS[5], d)
    if dead then state, err = 'dead', dead end
  end
  out[#out + 1] = state
  out[#out + 1] = err
end
return out
)lua";

// ARGV: group. {depth, in flight, age ms of the oldest undelivered entry or -1}.
inline constexpr const char* kStats = R"lua(
local inflight = redis.call('XPENDING', KEYS[1], ARGV[1])[1]
local depth = redis.call('XLEN', KEYS[1]) - inflight + redis.call('ZCARD', KEYS[2])
local last = '0-0'
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local h = {}
  for i = 1, #g, 2 do h[g[i]] = g[i + 1] end
  if h['name'] == ARGV[1] then last = h['last-delivered-id'] end
end
local age = -1
local first = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)
if #first > 0 then age = now - tonumber(string.match(first[1][1], '^(%d+)')) end
return {depth, inflight, age}
)lua";

}  // namespace ov::queue::scripts
