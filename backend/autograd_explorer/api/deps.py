"""Annotated dependency aliases shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from autograd_explorer.settings import Settings, get_settings

# The app's Settings (create_app overrides get_settings with the settings it was built with).
SettingsDep = Annotated[Settings, Depends(get_settings)]
