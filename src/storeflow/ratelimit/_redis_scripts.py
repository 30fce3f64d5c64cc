"""The Lua scripts the Redis limiter runs: the window rule, pauses, epochs and republishing,
each atomic on the server."""

from __future__ import annotations

__all__ = ["EPOCH", "PAUSE", "RESEED", "RESERVE"]

# The start of every script: the server's time, and the meta hash (pause deadline, adaptive
# rate, and the epoch that changes whenever Redis lost the state) made if missing.
_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function init(meta, requests, resume)
  if redis.call('EXISTS', meta) == 0 then
    redis.call('HSET', meta, 'resume', string.format('%.6f', resume), 'eff', requests,
      'cap', requests, 'changed', string.format('%.6f', now), 'epoch', t[1] .. '.' .. t[2])
  end
end
"""

# One reservation. KEYS: slots, meta, procs. ARGV: member, requests, window, previous member
# ("" for a new reservation; else a slot slept until, to confirm), process id, "1" if this
# process admitted requests in the last window, settle seconds, "1" if adaptive.
# Returns {seconds until the slot (<= 0: go now), active processes, limit in force, epoch}.
RESERVE = (
    _PRELUDE
    + """
local slots, meta, procs = KEYS[1], KEYS[2], KEYS[3]
local member, requests, window = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
-- A new state while this process admitted requests in the last window means Redis lost it:
-- hold everyone for a moment, so every process can republish its slots first.
init(meta, requests, ARGV[6] == '1' and now + tonumber(ARGV[7]) or -1)
local epoch = redis.call('HGET', meta, 'epoch')
local resume = tonumber(redis.call('HGET', meta, 'resume'))
local limit = requests
if ARGV[8] == '1' then
  local eff = tonumber(redis.call('HGET', meta, 'eff'))
  local cap = tonumber(redis.call('HGET', meta, 'cap'))
  local changed = tonumber(redis.call('HGET', meta, 'changed'))
  -- Additive increase: one step per clean window, never above the learnt ceiling.
  if eff < cap and now >= resume and now - changed >= window then
    eff = math.min(cap, eff + math.max(1, requests / 20))
    redis.call('HSET', meta, 'eff', string.format('%.6f', eff),
      'changed', string.format('%.6f', now))
  end
  limit = math.max(1, math.floor(eff))
end
redis.call('ZADD', procs, string.format('%.6f', now), ARGV[5])
redis.call('ZREMRANGEBYSCORE', procs, '-inf', string.format('%.6f', now - 2 * window))
local active = redis.call('ZCARD', procs)
-- A new slot is >= now: a slot at or before now - window never shares a window with it.
redis.call('ZREMRANGEBYSCORE', slots, '-inf', string.format('%.6f', now - window))
if ARGV[4] ~= '' then
  local score = redis.call('ZSCORE', slots, ARGV[4])
  if score and tonumber(score) >= resume then
    return {'0', active, limit, epoch}
  end
  -- A pause began while the caller slept and covers its slot, or Redis lost the slot (it
  -- restarted): queue it again.
  if score then redis.call('ZREM', slots, ARGV[4]) end
end
local slot = math.max(now, resume)
local last = redis.call('ZRANGE', slots, -1, -1, 'WITHSCORES')
if #last > 0 then slot = math.max(slot, tonumber(last[2])) end
if redis.call('ZCARD', slots) >= limit then
  -- Sorted, so only the limit-th latest slot can crowd the new one.
  local kth = redis.call('ZRANGE', slots, -limit, -limit, 'WITHSCORES')
  slot = math.max(slot, tonumber(kth[2]) + window)
end
redis.call('ZADD', slots, string.format('%.6f', slot), member)
local ttl = math.ceil((math.max(slot, resume) - now + 2 * window) * 1000)
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end
return {string.format('%.6f', slot - now), active, limit, epoch}
"""
)

# A pause (a 429's Retry-After). KEYS: meta. ARGV: seconds, "1" if adaptive, requests, window,
# settle seconds.
# The first pause of an episode (none in force) is the multiplicative decrease: the rate halves
# and the ceiling it may recover to drops to 90% of the rate that drew the 429.
PAUSE = (
    _PRELUDE
    + """
local meta = KEYS[1]
local requests, window = tonumber(ARGV[3]), tonumber(ARGV[4])
-- The caller just sent a request: a new state here also means Redis lost the window.
init(meta, requests, now + tonumber(ARGV[5]))
local resume = tonumber(redis.call('HGET', meta, 'resume'))
if ARGV[2] == '1' and now >= resume then
  local eff = tonumber(redis.call('HGET', meta, 'eff'))
  local cap = tonumber(redis.call('HGET', meta, 'cap'))
  redis.call('HSET', meta, 'eff', string.format('%.6f', math.max(1, eff / 2)),
    'cap', string.format('%.6f', math.min(cap, eff * 0.9)), 'changed', string.format('%.6f', now))
end
local target = now + tonumber(ARGV[1])
if target > resume then redis.call('HSET', meta, 'resume', string.format('%.6f', target)) end
local ttl = math.ceil((math.max(target, resume) - now + 2 * window) * 1000)
if redis.call('PTTL', meta) < ttl then redis.call('PEXPIRE', meta, ttl) end
return 1
"""
)

# The epoch of the state, made (with the settle pause) if Redis lost it. KEYS: meta. ARGV:
# requests, window, settle. Run by a process that admitted requests in the last window.
EPOCH = (
    _PRELUDE
    + """
init(KEYS[1], tonumber(ARGV[1]), now + tonumber(ARGV[3]))
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(ARGV[3]) + 2 * tonumber(ARGV[2])) * 1000))
end
return redis.call('HGET', KEYS[1], 'epoch')
"""
)

# Republish one process's admissions. KEYS: slots. ARGV: window, then (member, age) pairs,
# ages in seconds before the server's now. Members already present keep their slot.
RESEED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], 'NX', string.format('%.6f', now - tonumber(ARGV[i + 1])), ARGV[i])
end
local ttl = math.ceil(2 * tonumber(ARGV[1]) * 1000)
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
"""
