-- Gives back the tickets of a cancelled booking, if the stock is loaded (a later load counts
-- them from the database anyway).
-- KEYS: stock, users
-- ARGV: user id, quantity

if redis.call('EXISTS', KEYS[1]) == 1 then
  give_back(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))
end
return 0
