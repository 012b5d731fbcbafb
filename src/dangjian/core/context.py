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
    # Behind a reverse proxy the deployment sets DANGJIAN_TRUSTED_PROXY; never trust the header otherwise.
    from django.conf import settings

    if getattr(settings, "TRUSTED_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
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
