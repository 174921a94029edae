-- The lottery: install a numbering of the whole pre-queue, staged by room_stage.lua, at most
-- once. Before the draw every place in the hash is a pre-queued 0, and the pre-queue only
-- grows, so a staging of as many distinct pre-queued users as the pre-queue holds numbers
-- all of them; a join that came in after the pre-queue was read makes it one short, and
-- nothing is written (the caller reads and draws again).
-- KEYS: places, pre-queue, counters, the staged numbering   ARGV: how many were staged
-- Returns 1 once drawn (by this call or an earlier one), 0 when the staging is stale.
local staged = tonumber(ARGV[1])
if redis.call('HGET', KEYS[3], 'drawn') == '1' then
  redis.call('DEL', KEYS[4])
  return 1
end
if redis.call('LLEN', KEYS[2]) ~= staged or redis.call('HLEN', KEYS[4]) ~= staged then
  redis.call('DEL', KEYS[4])
  return 0
end
if staged > 0 then
  redis.call('UNLINK', KEYS[1]) -- freed in the background: a rename would free it here
  redis.call('RENAME', KEYS[4], KEYS[1])
end
redis.call('HSET', KEYS[3], 'assigned', staged, 'drawn', 1)
redis.call('UNLINK', KEYS[2])
return 1
