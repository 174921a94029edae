-- The whole admission of one booking request, atomically, in the order of MemoryStockStore.
-- KEYS: stock, users, fingerprints, fingerprints_at, holds, sent
-- ARGV: booking id, user id, quantity, fingerprint ('' without an Idempotency-Key), hold,
--       how long a key is kept in µs
-- Returns an Admission value, or 'duplicate-held' for a duplicate whose hold is still here.

local stock = redis.call('HMGET', KEYS[1], 'remaining', 'per_user_limit', 'opens_at_us',
  'closes_at_us')
if not stock[1] then
  return 'unknown'
end
local booking, user, quantity, fingerprint = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]

-- The key on this ticket type. Its hold on another ticket type (a key belongs to its user)
-- is refused before this script, by RedisStockStore.reserve; MemoryStockStore.reserve does
-- both in Python.
if fingerprint ~= '' then
  local known = redis.call('HGET', KEYS[3], booking)
  if known then
    if known ~= fingerprint then
      return 'idempotency-key-reused'
    end
    if redis.call('HEXISTS', KEYS[5], booking) == 1 then
      return 'duplicate-held'
    end
    return 'duplicate'
  end
end

-- The sale window is checked here and in MemoryStockStore.reserve, the same rule twice (the
-- embedded mode has no Lua); test_sale_window in tests/contract/test_stock_store.py holds both.
local now = now_us()
if (stock[3] and now < tonumber(stock[3])) or now >= tonumber(stock[4]) then
  return 'sale-not-open'
end
local held = tonumber(redis.call('HGET', KEYS[2], user) or '0')
if stock[2] and held + quantity > tonumber(stock[2]) then
  return 'per-user-limit'
end
if tonumber(stock[1]) < quantity then
  return 'sold-out'
end

redis.call('HINCRBY', KEYS[1], 'remaining', -quantity)
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HINCRBY', KEYS[2], user, quantity)
if fingerprint ~= '' then
  redis.call('HSET', KEYS[3], booking, fingerprint)
  redis.call('ZADD', KEYS[4], now, booking)
  -- Hash fields cannot expire on their own (before Redis 7.4): each keyed reservation
  -- drops up to two keys past their lifetime, which outpaces the one it adds.
  local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[6]),
    'LIMIT', 0, 2)
  for _, old in ipairs(expired) do
    redis.call('HDEL', KEYS[3], old)
    redis.call('ZREM', KEYS[4], old)
  end
end
redis.call('HSET', KEYS[5], booking, ARGV[5])
redis.call('ZADD', KEYS[6], now, booking)
return 'reserved'
