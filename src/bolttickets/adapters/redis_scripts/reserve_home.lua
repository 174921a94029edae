-- A booking request's admission on its buyer's home sub-stock (RedisSubStockStore), with the
-- tickets another sub-stock lent for it, if any, taken in first.
-- KEYS: the home sub-stock's stock, users, fingerprints, fingerprints_at, holds, sent, and
--       its sold-out mark
-- ARGV: as reserve.lua's (7), then the loan: quantity (0 for none), the lender's load id,
--       when it was lent in µs; how long a loan may take to arrive in µs
-- Returns what reserve.lua returns, except that a home short of stock answers 'short'
-- (lend from the others), 'short-lent' (and it lent some lately, which may be on their way
-- to another sub-stock) or, under a sold-out mark, 'sold-out'.

local loan = tonumber(ARGV[8])
if loan > 0 then
  -- A loan that arrives late or from another load is refused: its tickets are lost until
  -- reconcile counts them again (an undersell), because a reconcile or a load may already
  -- have counted them (an oversell).
  local load_id = redis.call('HGET', KEYS[1], 'load_id')
  if load_id == ARGV[9] and now_us() - tonumber(ARGV[10]) < tonumber(ARGV[11]) then
    redis.call('HINCRBY', KEYS[1], 'remaining', loan)
    redis.call('HINCRBY', KEYS[1], 'version', 1)
  end
end
local outcome = reserve_one(KEYS, false, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6],
  ARGV[7])
if outcome ~= 'sold-out' or redis.call('EXISTS', KEYS[7]) == 1 then
  return outcome
end
if lent_lately(KEYS[1], now_us(), ARGV[11]) then
  return 'short-lent'
end
return 'short'
