-- The admissions of several booking requests, hold index included, in one call on a single
-- Redis: each as atomic as one reserve_one call, in order, so the outcomes are those of as
-- many calls one after the other.
-- KEYS: the 6 keys of each ticket type in the group (as reserve.lua's), then the hold index
--       bolt:hold:<booking id> of each request
-- ARGV: how many ticket types, how long a key is kept in µs, how long an index is kept in s;
--       then per request: its ticket type's position in KEYS (from 0), ticket type id,
--       booking id, user id, quantity, fingerprint ('' without an Idempotency-Key), hold
-- Returns the outcome of each request, as reserve.lua does.

local n_types, key_lifetime_us, index_lifetime_s = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local types = {}
for t = 0, n_types - 1 do
  local first = 6 * t
  types[t] = {KEYS[first + 1], KEYS[first + 2], KEYS[first + 3], KEYS[first + 4],
    KEYS[first + 5], KEYS[first + 6]}
end
local indexes = 6 * n_types
local outcomes = {}
for i = 4, #ARGV, 7 do
  local n = #outcomes + 1
  outcomes[n] = reserve_one(types[tonumber(ARGV[i])], KEYS[indexes + n], ARGV[i + 1],
    ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], key_lifetime_us,
    index_lifetime_s)
end
return outcomes
