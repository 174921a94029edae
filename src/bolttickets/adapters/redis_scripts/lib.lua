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
