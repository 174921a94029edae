-- One part of a lottery's numbering, staged under a key of that draw alone: the room is not
-- changed until room_draw.lua installs the whole of it at once, so no call blocks Redis for
-- longer than one part.
-- KEYS: places, the staged numbering, counters   ARGV: the first number of this part, then
-- user ids. Returns 1, 0 (nothing staged) when a user is not waiting in the pre-queue, or 2
-- when the lottery has been drawn already.
if redis.call('HGET', KEYS[3], 'drawn') == '1' then
  redis.call('DEL', KEYS[2])
  return 2
end
local first = tonumber(ARGV[1])
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= '0' then
    redis.call('DEL', KEYS[2])
    return 0
  end
  redis.call('HSET', KEYS[2], ARGV[i], first + i - 2)
end
redis.call('EXPIRE', KEYS[2], 3600)
return 1
