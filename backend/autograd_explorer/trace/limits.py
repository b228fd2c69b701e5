"""The web trace's output limits: the defaults of the app's Settings, and of record()'s RecordLimits.

A plain module, so the library (record(), explore()) reads them without the app's settings, whose
pydantic-settings comes with the `server` extra only (docs/notebook.md, Installing).
"""

from __future__ import annotations

MAX_VALUE_ELEMENTS = 64
MAX_JACOBIAN_ELEMENTS = 256
MAX_JACOBIAN_STEPS = 2_000
MAX_TRACE_NODES = 20_000
MAX_RESULT_BYTES = 64_000_000
