-- The version and the quantity of every hold, read together for a compare-and-set.
-- KEYS: stock, holds
-- Returns nil when the stock is not loaded, else {version, booking id, quantity, ...}.

local version = redis.call('HGET', KEYS[1], 'version')
if not version then
  return false
end
local snapshot = {version}
local holds = redis.call('HGETALL', KEYS[2])
for i = 1, #holds, 2 do
  snapshot[#snapshot + 1] = holds[i]
  -- A hold is '<quantity>:<request>', so the request need not be decoded here.
  snapshot[#snapshot + 1] = string.match(holds[i + 1], '^%d+')
end
return snapshot
