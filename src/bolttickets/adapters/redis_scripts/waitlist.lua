-- Every change to one ticket type's waiting list, atomically (MemoryWaitingListStore's steps).
-- KEYS: line (zset user -> number in line), offers (zset user -> offer expiry, µs),
--       states (hash user -> state), counters (hash: issued, through, bought, lapsed, event,
--       gated = 1 while anyone waits or holds an offer); all of one slot.
-- ARGV: operation, then the operation's own (below).
-- Returns {offered through, lapsed, 1 when gated, users offered...} or, for 'use', 1 / 0.
local line, offers, states, counters = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op = ARGV[1]

-- One ticket each to the next `count` in line, expiring at `expires` (µs).
local function offer_next(count, expires)
  local offered = {}
  if count <= 0 then
    return offered
  end
  local popped = redis.call('ZPOPMIN', line, count)
  for i = 1, #popped, 2 do
    redis.call('ZADD', offers, expires, popped[i])
    redis.call('HSET', states, popped[i], 'offered')
    local through = tonumber(redis.call('HGET', counters, 'through') or '0')
    if tonumber(popped[i + 1]) > through then
      redis.call('HSET', counters, 'through', popped[i + 1])
    end
    offered[#offered + 1] = popped[i]
  end
  return offered
end

-- The list is gated while anyone waits or holds an offer.
local function outcome(lapsed, offered)
  local is_gated = 0
  if redis.call('ZCARD', line) + redis.call('ZCARD', offers) > 0 then
    redis.call('HSET', counters, 'gated', 1)
    is_gated = 1
  else
    redis.call('HDEL', counters, 'gated')
  end
  local result = {tonumber(redis.call('HGET', counters, 'through') or '0'), lapsed, is_gated}
  for _, user in ipairs(offered) do
    result[#result + 1] = user
  end
  return result
end

if op == 'join' then -- ARGV: user, event, keep until (unix seconds)
  local user = ARGV[2]
  local state = redis.call('HGET', states, user)
  if state ~= 'waiting' and state ~= 'offered' then
    redis.call('ZADD', line, redis.call('HINCRBY', counters, 'issued', 1), user)
    redis.call('HSET', states, user, 'waiting')
    redis.call('HSET', counters, 'event', ARGV[3])
    for i = 1, 4 do
      redis.call('EXPIREAT', KEYS[i], ARGV[4])
    end
  end
  return outcome(0, {})
elseif op == 'offer' then -- ARGV: count, tickets remaining, bought when they were read, expiry
  local unoffered = tonumber(ARGV[3]) - redis.call('ZCARD', offers)
    - (tonumber(redis.call('HGET', counters, 'bought') or '0') - tonumber(ARGV[4]))
  return outcome(0, offer_next(math.min(tonumber(ARGV[2]), unoffered), ARGV[5]))
elseif op == 'lapse' then -- ARGV: now, expiry of the offers passed on
  local expired = redis.call('ZRANGEBYSCORE', offers, '-inf', ARGV[2])
  for _, user in ipairs(expired) do
    redis.call('ZREM', offers, user)
    redis.call('HSET', states, user, 'lapsed')
  end
  redis.call('HINCRBY', counters, 'lapsed', #expired)
  return outcome(#expired, offer_next(#expired, ARGV[3]))
elseif op == 'leave' then -- ARGV: user, expiry of an offer passed on
  local user = ARGV[2]
  local state = redis.call('HGET', states, user)
  local passed_on = {}
  if state == 'waiting' then
    redis.call('ZREM', line, user)
  elseif state == 'offered' then
    redis.call('ZREM', offers, user)
    passed_on = offer_next(1, ARGV[3])
  end
  if state == 'waiting' or state == 'offered' then
    redis.call('HSET', states, user, 'left')
  end
  return outcome(0, passed_on)
elseif op == 'use' then -- ARGV: user, now
  local user = ARGV[2]
  local expires = redis.call('ZSCORE', offers, user)
  if not expires or tonumber(expires) <= tonumber(ARGV[3]) then
    return 0
  end
  redis.call('ZREM', offers, user)
  redis.call('HSET', states, user, 'bought')
  redis.call('HINCRBY', counters, 'bought', 1)
  outcome(0, {})
  return 1
end
return redis.error_reply('unknown waiting list operation ' .. op)
