-- A buyer joins an event's waiting room; the same place on every call.
-- KEYS: places (hash user -> number, 0 while in the pre-queue), pre-queue (list), counters
-- ARGV: user id, 1 when the sale has started
-- Returns the number, 0 for the pre-queue, -1 for "the lottery has not run: draw it first".
local found = redis.call('HGET', KEYS[1], ARGV[1])
if found then
  return tonumber(found)
end
if redis.call('HGET', KEYS[3], 'drawn') ~= '1' then
  if ARGV[2] == '1' then
    return -1
  end
  redis.call('HSET', KEYS[1], ARGV[1], 0)
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 0
end
local number = redis.call('HINCRBY', KEYS[3], 'assigned', 1)
redis.call('HSET', KEYS[1], ARGV[1], number)
return number
