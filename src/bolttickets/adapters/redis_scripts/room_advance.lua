-- Admit every number up to ARGV[1]: "now serving" moves up to it, never past the last
-- number given and never back. KEYS: counters   Returns the new "now serving".
local assigned = tonumber(redis.call('HGET', KEYS[1], 'assigned') or '0')
local serving = tonumber(redis.call('HGET', KEYS[1], 'serving') or '0')
local moved = math.min(assigned, tonumber(ARGV[1]))
if moved > serving then
  redis.call('HSET', KEYS[1], 'serving', moved)
  return moved
end
return serving
