-- Prepended to every script of this folder, so the helpers are written once.

local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- The buyer's count floors at zero: a count rebuilt without this booking must not go negative.
local function give_back(stock, users, user, quantity)
  redis.call('HINCRBY', stock, 'remaining', quantity)
  if redis.call('HINCRBY', users, user, -quantity) <= 0 then
    redis.call('HDEL', users, user)
  end
  redis.call('HINCRBY', stock, 'version', 1)
end

-- ARGV from `first` on: how many buyers, keys and holds follow, then (user id, count) pairs,
-- (booking id, fingerprint) pairs and (booking id, hold, last sent in µs) triples.
local function write_entries(users, fingerprints, fingerprints_at, holds, sent, first, now)
  local n_users, n_keys, n_holds = tonumber(ARGV[first]), tonumber(ARGV[first + 1]),
    tonumber(ARGV[first + 2])
  local i = first + 3
  for _ = 1, n_users do
    redis.call('HSET', users, ARGV[i], ARGV[i + 1])
    i = i + 2
  end
  for _ = 1, n_keys do
    redis.call('HSET', fingerprints, ARGV[i], ARGV[i + 1])
    redis.call('ZADD', fingerprints_at, now, ARGV[i])
    i = i + 2
  end
  for _ = 1, n_holds do
    redis.call('HSET', holds, ARGV[i], ARGV[i + 1])
    redis.call('ZADD', sent, ARGV[i + 2], ARGV[i])
    i = i + 3
  end
end

-- One booking request's whole admission, in the order of MemoryStockStore.reserve.
-- k: its ticket type's keys (stock, users, fingerprints, fingerprints_at, holds, sent);
-- index: its hold index bolt:hold:<booking id>, or false when the caller keeps the index
-- itself (a Redis Cluster, where that key lies in another slot);
-- fingerprint is '' without an Idempotency-Key.
-- Returns an Admission value, or 'duplicate-held' for a duplicate whose hold is still here.
local function reserve_one(k, index, tt, booking, user, quantity, fingerprint, hold,
    key_lifetime_us, index_lifetime_s)
  local stock = redis.call('HMGET', k[1], 'remaining', 'per_user_limit', 'opens_at_us',
    'closes_at_us')
  if not stock[1] then
    return 'unknown'
  end
  quantity = tonumber(quantity)

  if fingerprint ~= '' then
    -- A key belongs to its user, not to a ticket type: the same key's hold on another
    -- ticket type is a reuse (without the index here, RedisStockStore checks it first).
    if index then
      local held_on = redis.call('GET', index)
      if held_on and held_on ~= tt then
        return 'idempotency-key-reused'
      end
    end
    local known = redis.call('HGET', k[3], booking)
    if known then
      if known ~= fingerprint then
        return 'idempotency-key-reused'
      end
      if redis.call('HEXISTS', k[5], booking) == 1 then
        return 'duplicate-held'
      end
      return 'duplicate'
    end
  end

  -- The sale window is checked here and in MemoryStockStore.reserve, the same rule twice
  -- (the embedded mode has no Lua); test_sale_window in tests/contract/test_stock_store.py
  -- holds both.
  local now = now_us()
  if (stock[3] and now < tonumber(stock[3])) or now >= tonumber(stock[4]) then
    return 'sale-not-open'
  end
  local held = tonumber(redis.call('HGET', k[2], user) or '0')
  if stock[2] and held + quantity > tonumber(stock[2]) then
    return 'per-user-limit'
  end
  if tonumber(stock[1]) < quantity then
    return 'sold-out'
  end

  redis.call('HINCRBY', k[1], 'remaining', -quantity)
  redis.call('HINCRBY', k[1], 'version', 1)
  redis.call('HINCRBY', k[2], user, quantity)
  if fingerprint ~= '' then
    redis.call('HSET', k[3], booking, fingerprint)
    redis.call('ZADD', k[4], now, booking)
    -- Hash fields cannot expire on their own (before Redis 7.4): each keyed reservation
    -- drops up to two keys past their lifetime, which outpaces the one it adds.
    local expired = redis.call('ZRANGEBYSCORE', k[4], '-inf', now - tonumber(key_lifetime_us),
      'LIMIT', 0, 2)
    for _, old in ipairs(expired) do
      redis.call('HDEL', k[3], old)
      redis.call('ZREM', k[4], old)
    end
  end
  redis.call('HSET', k[5], booking, hold)
  redis.call('ZADD', k[6], now, booking)
  if index then
    redis.call('SET', index, tt, 'EX', index_lifetime_s)
  end
  return 'reserved'
end

-- Whether a sub-stock lent tickets less than `window_us` ago: they may still be on their way
-- to the borrower, counted in neither sub-stock (RedisSubStockStore).
local function lent_lately(stock, now, window_us)
  local lent_at = redis.call('HGET', stock, 'lent_at_us')
  return lent_at ~= false and now - tonumber(lent_at) < tonumber(window_us)
end
