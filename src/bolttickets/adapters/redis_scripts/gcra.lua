-- GCRA (the generic cell rate algorithm) for one client of one policy, in the arithmetic of
-- MemoryRateLimiter.acquire. The key holds the client's theoretical arrival time (TAT, µs of
-- Redis's clock): when its allowance is whole again. It expires then, so an idle client
-- costs nothing, and a refusal writes nothing.
-- KEYS: the client's key   ARGV: emission interval, period (µs)
-- Returns {1 if allowed else 0, requests still allowed at once, µs until the next is allowed}

local interval, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = now_us()
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now) + interval
local ahead = tat - now
if ahead > period then
  return {0, 0, ahead - period}
end
redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.ceil(ahead / 1000))
return {1, math.floor((period - ahead) / interval), 0}
