-- Gives a cancelled booking's tickets back to its buyer's count, if the stock is loaded (a
-- later load counts them from the database anyway). The remaining stock is not touched:
-- reconcile sets it from the database, so that a cancel is never counted twice.
-- KEYS: stock, users
-- ARGV: user id, quantity

if redis.call('EXISTS', KEYS[1]) == 1 and
    redis.call('HINCRBY', KEYS[2], ARGV[1], -tonumber(ARGV[2])) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return 0
