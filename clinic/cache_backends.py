"""The two cache backends of the site (settings: "Cache"; README: "Configuration").

``RedisCacheWithFallback`` is django-redis for several app servers, made so that a Redis that
stops answering never takes a page down. ``LockedFileBasedCache`` is Django's file cache with
atomic counters, for the rate limits of the workers of one host without Redis.
"""

import contextlib
import fcntl
import logging
import os
import time

from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What Redis that does not answer raises: refused or timed-out connections, socket errors, and
# the errors django-redis wraps them in.
REDIS_FAILURES = (RedisError, OSError, ConnectionInterrupted)


class RedisCacheWithFallback(RedisCache):
    """django-redis, falling back to another cache while Redis does not answer.

    When a call to Redis fails (refused, timed out: keep ``SOCKET_CONNECT_TIMEOUT`` and
    ``SOCKET_TIMEOUT`` short), it is answered by the cache named in ``OPTIONS["FALLBACK"]``, and so
    is every call for the next ``retry_seconds``: a dummy cache for pages (no caching), a memory
    cache for the rate limits (counted by each process). A Redis that hangs so costs one timeout
    every few seconds, not one per call. The failure is logged once when it starts and once when
    Redis answers again, with the error's class only: keys and values stay out of logs (rate-limit
    keys derive from client addresses).

    Django makes one cache object per thread, as it does one database connection: the "Redis is
    down" state lives on that object, like a connection's state, and each thread finds out (and
    logs) for itself.
    """

    retry_seconds = 5.0

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.fallback_alias = options.pop("FALLBACK")
        super().__init__(server, {**params, "OPTIONS": options})
        self.unavailable_until: float | None = None  # time.monotonic() of the next try, while down

    def _call(self, method: str, *args, **kwargs):
        now = time.monotonic()
        if self.unavailable_until is None or now >= self.unavailable_until:
            try:
                result = getattr(RedisCache, method)(self, *args, **kwargs)
            except REDIS_FAILURES as error:
                if self.unavailable_until is None:
                    logger.error(
                        "Redis cache does not answer (%s): using the %r cache until it does",
                        type(error).__name__,
                        self.fallback_alias,
                    )
                self.unavailable_until = now + self.retry_seconds
            else:
                if self.unavailable_until is not None:
                    logger.warning("Redis cache answers again (was replaced by the %r cache)", self.fallback_alias)
                    self.unavailable_until = None
                return result
        return getattr(caches[self.fallback_alias], method)(*args, **kwargs)

    # The cache API the site and django-ratelimit use (BaseCache.get_or_set goes through get and add).
    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def decr(self, *args, **kwargs):
        return self._call("decr", *args, **kwargs)

    def clear(self):
        return self._call("clear")


class LockedFileBasedCache(FileBasedCache):
    """Django's file cache, with ``add`` and ``incr`` atomic across the processes of one host.

    For rate-limit counters without Redis. django-ratelimit counts with ``add`` then ``incr``; the
    file cache does each as a read then a write, so two workers counting at the same moment could
    both write the same number and let a client past its limit (django-ratelimit's check E003
    says so). Here both run holding an exclusive ``flock`` on a file in the cache directory, which
    the kernel also releases if its holder dies.
    """

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self.lock_path = os.path.join(os.path.abspath(dir), "counters.lock")

    @contextlib.contextmanager
    def locked(self):
        os.makedirs(os.path.dirname(self.lock_path), 0o700, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases its lock

    def add(self, *args, **kwargs):
        with self.locked():
            return super().add(*args, **kwargs)

    def incr(self, *args, **kwargs):
        with self.locked():
            return super().incr(*args, **kwargs)
