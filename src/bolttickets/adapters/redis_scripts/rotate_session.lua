-- Rotate a session's refresh token: atomic, so of two requests presenting the same token
-- exactly one rotates and the other is a reuse.
-- KEYS[1] the session (hash: user, current), KEYS[2] the hashes of its replaced tokens.
-- ARGV[1] the presented token's hash, ARGV[2] its replacement's, ARGV[3] the new TTL in ms.
local current = redis.call('HGET', KEYS[1], 'current')
if not current then
  return {'unknown'}
end
local user = redis.call('HGET', KEYS[1], 'user')
if current == ARGV[1] then
  redis.call('HSET', KEYS[1], 'current', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return {'rotated', user}
end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return {'reused', user}
end
return {'unknown'}
