"""Who is acting, from where, in which request: kept per request so services can audit without a request object."""

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    ip: str
    path: str


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("dangjian_request", default=None)


def current_request() -> RequestInfo | None:
    return _current.get()


def client_ip(request) -> str:
    """The client's address, for the lockout, the rate limits and the audit log alike.

    Never read from a header here: behind the trusted reverse proxy `dangjian serve` has already put the client's
    address in REMOTE_ADDR, and removed X-Forwarded-For from everyone else (dangjian.core.proxy).
    """
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    """Gives each request an id (echoed in the X-Request-ID header) and remembers its address for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        info = RequestInfo(request_id=uuid.uuid4().hex, ip=client_ip(request), path=request.path)
        token = _current.set(info)
        request.request_id = info.request_id
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = info.request_id
        return response
