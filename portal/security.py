"""Sign-in rate limiting and the request body cap.

Failed code attempts are counted per client address in a sliding window; past the limit, every
attempt from that address is refused for a while, right or wrong, so codes cannot be guessed
at speed. Behind the intranet's nginx, uvicorn takes the client address from X-Forwarded-For
(it trusts that header from 127.0.0.1 only).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from starlette.responses import PlainTextResponse

MAX_FAILURES = 10
WINDOW_S = 300.0


class SignInLimiter:
    """At most ``limit`` failed attempts per client in ``window`` seconds."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, client: str) -> deque[float]:
        times = self._failures[client]
        cutoff = self.clock() - self.window
        while times and times[0] < cutoff:
            times.popleft()
        return times

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client)) >= self.limit

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self.clock())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


TOO_LARGE_TEXT = "上传的文件过大：超过大小上限 {mb} MB。请确认选择的是本单位的台账文件。"


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 with a Chinese message,
    whether it says its length up front or not (chunked), before it is spooled anywhere."""

    def __init__(self, app: Any, limit: int, shown: int | None = None):
        self.app, self.limit, self.shown = app, limit, shown or limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response = PlainTextResponse(TOO_LARGE_TEXT.format(mb=round(self.shown / 1024 / 1024)), status_code=413)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await response(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await response(scope, receive, send)
