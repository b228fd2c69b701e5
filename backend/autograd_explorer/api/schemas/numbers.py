"""Numbers as typed clients read them: a JSON number, or null where the value is not finite.

Strings such as "nan" made every float `number | string` for a generated client. null keeps the
type `float | None`, and `np.asarray(values, dtype=float)` reads null as nan, so a script gets
its array without a loop. What a non-finite value means is said by the result itself: a
trajectory's `reason` ("diverged"), a fit's `diverged` (docs/api.md).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import PlainSerializer

from autograd_explorer.jsonsafe import finite_or_none

# Every float a computation produced: serialized as a number, or null when nan or ±inf.
Number = Annotated[float, PlainSerializer(finite_or_none, return_type=float | None, when_used="json")]
