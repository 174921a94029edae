-- Clears the holds of applied requests; a rejected one gives its tickets back only if this
-- call cleared its hold, so settling twice gives back once. On a single Redis the holds'
-- indexes are deleted here too; on a cluster they lie in other slots and RedisStockStore
-- deletes them after this call, which it then makes once per ticket type.
-- KEYS: stock, users, holds, sent of each ticket type; then, if ARGV[1] is '1', the hold
--       index of each settlement
-- ARGV: '1' if the indexes are in KEYS else '0', how many ticket types; then per
--       settlement: its ticket type's position in KEYS (from 0), booking id, user id,
--       quantity, '1' if confirmed else '0'
-- Returns {1 per settlement whose hold this call cleared else 0, {remaining, version} of
-- each ticket type as this call left it, false for one not loaded}.

local with_indexes, n_types = ARGV[1] == '1', tonumber(ARGV[2])
local loaded = {}
for t = 0, n_types - 1 do
  loaded[t] = redis.call('EXISTS', KEYS[4 * t + 1]) == 1
end
local cleared = {}
for i = 3, #ARGV, 5 do
  local t = tonumber(ARGV[i])
  local stock, users, holds, sent = KEYS[4 * t + 1], KEYS[4 * t + 2], KEYS[4 * t + 3],
    KEYS[4 * t + 4]
  local booking = ARGV[i + 1]
  local hit = loaded[t] and redis.call('HDEL', holds, booking) == 1
  if hit then
    redis.call('ZREM', sent, booking)
    if ARGV[i + 4] ~= '1' then
      give_back(stock, users, ARGV[i + 2], tonumber(ARGV[i + 3]))
    end
    if with_indexes then
      redis.call('DEL', KEYS[4 * n_types + #cleared + 1])
    end
  end
  cleared[#cleared + 1] = hit and 1 or 0
end
local inventory = {}
for t = 0, n_types - 1 do
  inventory[t + 1] = loaded[t] and redis.call('HMGET', KEYS[4 * t + 1], 'remaining', 'version')
end
return {cleared, inventory}
