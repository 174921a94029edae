-- One part of a load too large for a single call, written aside until load.lua moves it in.
-- KEYS: staged users, fingerprints, fingerprints_at, holds, sent
-- ARGV: entries, as write_entries reads them

write_entries(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], 1, now_us())
-- A loader that dies half way must not leave its parts behind for good.
for _, key in ipairs(KEYS) do
  redis.call('EXPIRE', key, 3600)
end
return 0
