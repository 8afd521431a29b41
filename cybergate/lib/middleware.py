"""Project middleware that must not cost a thread per request under ASGI.

Django runs a sync-only middleware under ASGI in a thread that stays blocked until everything
after it — the view included — has answered. For the device gateway's long-poll (an async view
that may wait 30 s) that is a thread per waiting device, which the gateway must not cost. So every
middleware in settings.MIDDLEWARE is sync- and async-capable; WhiteNoise's is not yet, hence
this subclass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware as _SyncWhiteNoiseMiddleware


class DualModeMiddleware:
    """Base of our sync- and async-capable middleware: `self._async` says which chain it is in.

    A subclass answers in `__call__` (sync) and `__acall__` (async), and starts `__call__` with
    `if self._async: return self.__acall__(request)`.
    """

    sync_capable = True
    async_capable = True
    __call__: Callable[..., Any]  # each subclass defines it

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)


class WhiteNoiseMiddleware(_SyncWhiteNoiseMiddleware):
    """WhiteNoise, answering static files in a thread and passing everything else straight on."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, *args, **kwargs) -> None:
        super().__init__(get_response, *args, **kwargs)
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self._async:
            return self.__acall__(request)
        return super().__call__(request)

    def _static_file(self, path: str):
        return self.find_file(path) if self.autorefresh else self.files.get(path)

    async def __acall__(self, request):
        if self.autorefresh:  # looks at the file system (development only)
            static_file = await sync_to_async(self._static_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)
        return await self.get_response(request)
