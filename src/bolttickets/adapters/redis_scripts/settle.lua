-- Clears the holds of applied requests of one ticket type; a rejected one gives its tickets
-- back only if this call cleared its hold, so settling twice gives back once.
-- KEYS: stock, users, holds, sent
-- ARGV: booking id, user id, quantity, '1' if confirmed else '0' — per settlement
-- Returns 1 per settlement whose hold this call cleared, else 0.

local loaded = redis.call('EXISTS', KEYS[1]) == 1
local cleared = {}
for i = 1, #ARGV, 4 do
  local hit = loaded and redis.call('HDEL', KEYS[3], ARGV[i]) == 1
  if hit then
    redis.call('ZREM', KEYS[4], ARGV[i])
    if ARGV[i + 3] ~= '1' then
      give_back(KEYS[1], KEYS[2], ARGV[i + 1], tonumber(ARGV[i + 2]))
    end
  end
  cleared[#cleared + 1] = hit and 1 or 0
end
return cleared
