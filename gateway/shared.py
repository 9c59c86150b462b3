"""The state that workers and replicas must share to be one service: the per-client rate
limits and the deny-list of revoked tokens. In Redis when the runtime names one (every
process of every service given the same URL and key prefix), else each process's own."""

from auth.revocations import RedisDenyList, SharedDenyList
from gateway.http.rate_limit import RateLimit, RateLimiter, SharedRateLimiter
from gateway.runtime import Runtime


def rate_limiter(
    runtime: Runtime, namespace: str, rate_per_minute: int, burst: int | None = None
) -> RateLimit:
    """`namespace` keeps apart limits of different rates (the gateway's, a subgraph's)."""
    if runtime.redis_url is None:
        return RateLimiter(rate_per_minute, burst)
    return SharedRateLimiter(
        runtime.redis_url, runtime.redis_prefix, namespace, rate_per_minute, burst
    )


def deny_list(runtime: Runtime) -> SharedDenyList | None:
    if runtime.redis_url is None:
        return None
    return RedisDenyList(runtime.redis_url, runtime.redis_prefix)
