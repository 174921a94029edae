-- Take or renew a lease: only when nobody else holds it.
-- KEYS: the lease   ARGV: holder, lifetime (ms)   Returns 1 when the caller holds it.
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
