-- The lottery: number the pre-queue in the order given (a permutation drawn by the caller),
-- at most once. A join that came in after the caller read the pre-queue makes the order
-- incomplete: nothing is written, and the caller reads and draws again.
-- KEYS: places, pre-queue, counters   ARGV: every pre-queued user id, in the drawn order
-- Returns 1 once drawn (by this call or an earlier one), 0 when the order is stale.
if redis.call('HGET', KEYS[3], 'drawn') == '1' then
  return 1
end
if redis.call('LLEN', KEYS[2]) ~= #ARGV then
  return 0
end
local seen = {}
for _, user in ipairs(ARGV) do
  if seen[user] or redis.call('HGET', KEYS[1], user) ~= '0' then
    return 0
  end
  seen[user] = true
end
local base = tonumber(redis.call('HGET', KEYS[3], 'assigned') or '0')
for i, user in ipairs(ARGV) do
  redis.call('HSET', KEYS[1], user, base + i)
end
redis.call('HSET', KEYS[3], 'assigned', base + #ARGV, 'drawn', 1)
redis.call('DEL', KEYS[2])
return 1
