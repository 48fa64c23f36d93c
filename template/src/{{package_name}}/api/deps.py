"""Dependency aliases for route handlers.

Handlers receive the service, not a database session: the repository takes a pooled
connection only for the statements it runs, so a cache hit never checks one out.
"""

from typing import Annotated

from fastapi import Depends, Request

from ..cache.base import Cache
from ..core.settings import Settings
from ..services.items import ItemService


def get_item_service(request: Request) -> ItemService:
    service: ItemService = request.app.state.item_service
    return service


def get_cache(request: Request) -> Cache:
    cache: Cache = request.app.state.cache
    return cache


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


ItemServiceDep = Annotated[ItemService, Depends(get_item_service)]
CacheDep = Annotated[Cache, Depends(get_cache)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
