-- Sets the remaining stock only if nothing moved it since the snapshot's version: a blind SET
-- would erase the reservations made meanwhile.
-- KEYS: stock
-- ARGV: expected version, remaining
-- Returns 1 when the version matched.

local current = redis.call('HMGET', KEYS[1], 'version', 'remaining')
if current[1] ~= ARGV[1] then
  return 0
end
if current[2] ~= ARGV[2] then
  redis.call('HSET', KEYS[1], 'remaining', ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
return 1
