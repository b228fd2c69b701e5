"""Annotated dependency aliases shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from autograd_explorer.jobs.events import LAST_EVENT_ID, LAST_EVENT_ID_PATTERN
from autograd_explorer.settings import Settings, get_settings

# The app's Settings (create_app overrides get_settings with the settings it was built with).
SettingsDep = Annotated[Settings, Depends(get_settings)]

# Last-Event-ID of every event stream (a job's curve, a room's versions), declared once so the schema
# publishes it alike: EventSource sends the id of the last event it received. Published only:
# resume_after() refuses the rest with a 400 naming the header.
LastEventIdHeader = Annotated[
    str | None,
    Header(
        alias=LAST_EVENT_ID,
        json_schema_extra={"pattern": LAST_EVENT_ID_PATTERN},
        description="resume after the event with this id (sent by EventSource)",
    ),
]
