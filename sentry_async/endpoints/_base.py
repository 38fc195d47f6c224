"""What every endpoint namespace shares: build a Route, send it, decode the answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from ..decode import decode_answer
from ..models._converter import structurer
from ..pagination import PageStyle, Paginator
from ..pipeline import Pipeline
from ..route import Route
from ..wire import Answer

__all__ = ["Endpoint"]

T = TypeVar("T")


class Endpoint:
    """Base of the namespaces (``sentry.projects`` ...): thin calls into the pipeline."""

    __slots__ = ("_pipeline",)

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    async def _fetch(
        self,
        route: Route,
        model: type[T],
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> T:
        answer = await self._pipeline.send(route, params=params, json=json)
        return self._decode(answer, model)

    @staticmethod
    def _decode(answer: Answer, model: type[T]) -> T:
        return decode_answer(answer, structurer(model), model.__name__)

    async def _send(
        self,
        route: Route,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> None:
        await self._pipeline.send(route, params=params, json=json)

    def _paginate(
        self,
        route: Route,
        model: type[T],
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
        style: PageStyle = PageStyle.LINK,
        page_size_param: str = "per_page",
    ) -> Paginator[T]:
        return Paginator(
            self._pipeline,
            route,
            structurer(model),
            params=params,
            cursor=cursor,
            per_page=per_page,
            style=style,
            page_size_param=page_size_param,
        )
