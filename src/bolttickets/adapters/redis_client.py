"""The Redis client every Redis adapter takes: one server or a Redis Cluster
(``BOLT_REDIS_CLUSTER``). Each script's keys share one hash tag, so every adapter runs on
either; docs/operations.md says what a cluster changes."""

import redis.asyncio as aioredis

RedisClient = aioredis.Redis | aioredis.RedisCluster
