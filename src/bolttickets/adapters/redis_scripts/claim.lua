-- Holds of one ticket type last sent before ARGV[1]; each returned one counts as sent now.
-- KEYS: stock, holds, sent
-- ARGV: older than in µs, now in µs, limit

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
local claimed = {}
for _, booking in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1],
    'LIMIT', 0, ARGV[3])) do
  redis.call('ZADD', KEYS[3], ARGV[2], booking)
  claimed[#claimed + 1] = redis.call('HGET', KEYS[2], booking)
end
return claimed
