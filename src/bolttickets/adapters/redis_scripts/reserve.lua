-- One booking request's admission, without its hold index: the store's multi-step path (a
-- Redis Cluster), where the index lies in another slot and RedisStockStore reads and writes
-- it around this call.
-- KEYS: stock, users, fingerprints, fingerprints_at, holds, sent
-- ARGV: ticket type id, booking id, user id, quantity, fingerprint ('' without an
--       Idempotency-Key), hold, how long a key is kept in µs
-- Returns an Admission value, or 'duplicate-held' for a duplicate whose hold is still here.

return reserve_one(KEYS, false, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
