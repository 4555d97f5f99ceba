"""A WSGI response body that reports, exactly once, when the response is over."""
from __future__ import annotations

from typing import Callable, Iterable


class FinishingBody:
    """Wraps an app's response iterable; calls ``finished()`` once, when the body is exhausted or its
    iteration stops (a failed write, a client gone) or when the server closes it — some servers skip
    ``close()`` when the connection is reset. ``on_chunk`` (optional) sees every chunk sent."""

    def __init__(self, iterable: Iterable[bytes], finished: Callable[[], None],
                 on_chunk: Callable[[bytes], None] | None = None):
        self._iterable, self._finished, self._on_chunk, self._done = iterable, finished, on_chunk, False

    def __iter__(self):
        try:
            for chunk in self._iterable:
                if self._on_chunk is not None:
                    self._on_chunk(chunk)
                yield chunk
        finally:
            self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._finished()

    def close(self) -> None:
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
        finally:
            self._finish()
