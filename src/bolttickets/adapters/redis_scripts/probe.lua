-- A sub-stock's version and remaining stock, for a compare-and-set across sub-stocks
-- (RedisSubStockStore), and whether it lent tickets lately (which may still be on their way).
-- KEYS: the sub-stock's stock
-- ARGV: how long a loan may take to arrive in µs
-- Returns nil when not loaded, else {version, remaining, 1 if it lent lately else 0}.

local stock = redis.call('HMGET', KEYS[1], 'version', 'remaining')
if not stock[1] then
  return false
end
return {stock[1], stock[2], lent_lately(KEYS[1], now_us(), ARGV[1]) and 1 or 0}
