-- Lends tickets of one sub-stock to a buyer's home sub-stock short of them
-- (RedisSubStockStore): they leave here now and arrive with the home's reservation call.
-- KEYS: the lending sub-stock's stock
-- ARGV: how many at most, how long a loan may take to arrive in µs
-- Returns {lent, load id, lent at in µs, 1 if none were lent but some were lately else 0}.

local stock = redis.call('HMGET', KEYS[1], 'remaining', 'load_id')
if not stock[1] then
  return {0, '', 0, 0}
end
local now = now_us()
local lent = math.min(tonumber(stock[1]), tonumber(ARGV[1]))
if lent > 0 then
  redis.call('HINCRBY', KEYS[1], 'remaining', -lent)
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('HSET', KEYS[1], 'lent_at_us', now)
  return {lent, stock[2] or '', now, 0}
end
return {0, '', 0, lent_lately(KEYS[1], now, ARGV[2]) and 1 or 0}
