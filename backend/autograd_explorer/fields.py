"""Field types shared by the API's request bodies and the core's configs (pure pydantic).

Bodies validate strictly, so `"figure": 0` is not a boolean and `"seed": false` not an integer.
JSON Schema's `integer` also admits 3.0, though, so a client reading the schema may send it:
`Int` takes a whole float as its int and still refuses 3.5, booleans and strings.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator


def whole_number(value: object) -> object:
    """3.0 -> 3; everything else is left to the strict int validator (which refuses it)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Int = Annotated[int, BeforeValidator(whole_number)]
