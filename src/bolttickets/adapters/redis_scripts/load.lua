-- Installs a ticket type's stock in one step: a reservation sees the old state or the new one.
-- KEYS: stock, users, fingerprints, fingerprints_at, holds, sent, then the same five staged
--       (which do not exist when everything fits in this call)
-- ARGV: '1' to replace a loaded stock, event id, remaining, per-user limit (''),
--       sale opens at in µs (''), sale closes at in µs, load id ('' for none: a sub-stock
--       takes tickets lent only from a sub-stock of the same load), then the last entries
-- Returns 1 when installed, 0 when a stock was loaded already and ARGV[1] is not '1'.

local old = redis.call('HGET', KEYS[1], 'version')
if old and ARGV[1] ~= '1' then
  redis.call('UNLINK', unpack(KEYS, 7, 11))
  return 0
end

for i = 2, 6 do
  redis.call('UNLINK', KEYS[i])
  if redis.call('EXISTS', KEYS[i + 5]) == 1 then
    redis.call('RENAME', KEYS[i + 5], KEYS[i])
    redis.call('PERSIST', KEYS[i])
  end
end
local now = now_us()
write_entries(KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], 8, now)

-- Written last: should anything above fail, the ticket type stays unknown, never half loaded.
-- Versions start from the clock, so they keep growing even after the stock was lost.
redis.call('UNLINK', KEYS[1])
redis.call('HSET', KEYS[1], 'remaining', ARGV[3], 'version',
  math.max(now, (tonumber(old) or 0) + 1), 'event_id', ARGV[2], 'closes_at_us', ARGV[6])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'per_user_limit', ARGV[4])
end
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[1], 'load_id', ARGV[7])
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'opens_at_us', ARGV[5])
end
return 1
