-- The version, the remaining stock, the oldest hold's last send and the quantity of every
-- hold, read together for a compare-and-set and for the stock gauges.
-- KEYS: stock, holds, sent
-- Returns nil when the stock is not loaded, else
-- {version, remaining, oldest send in µs or '', booking id, quantity, ...}.

local stock = redis.call('HMGET', KEYS[1], 'version', 'remaining')
if not stock[1] then
  return false
end
local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local snapshot = {stock[1], stock[2], oldest[2] or ''}
local holds = redis.call('HGETALL', KEYS[2])
for i = 1, #holds, 2 do
  snapshot[#snapshot + 1] = holds[i]
  -- A hold is '<quantity>:<request>', so the request need not be decoded here.
  snapshot[#snapshot + 1] = string.match(holds[i + 1], '^%d+')
end
return snapshot
