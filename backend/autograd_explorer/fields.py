"""Field types shared by the API's request bodies and the core's configs (pure pydantic).

Bodies validate strictly, so `"figure": 0` is not a boolean and `"seed": false` not an integer.
JSON Schema's `integer` also admits 3.0, though, so a client reading the schema may send it:
`Int` takes a whole float as its int and still refuses 3.5, booleans and strings.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def whole_number(value: object) -> object:
    """3.0 -> 3; everything else is left to the strict int validator (which refuses it)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Int = Annotated[int, BeforeValidator(whole_number)]


def nested_lists_schema(leaves: list[dict[str, Any]], depth: int, deeper: bool = False) -> dict[str, Any]:
    """JSON Schema of a leaf, or lists of leaves nested up to `depth` deep (a tensor's data).

    Spelled out level by level: generated clients cannot follow a recursive schema, and
    `list[Any]` would publish "an array of anything". `deeper`: the last level holds anything, so
    data nested more than `depth` deep (a tensor of more dimensions) still matches.
    """
    leaf: dict[str, Any] = leaves[0] if len(leaves) == 1 else {"anyOf": leaves}
    options = [leaf]
    for _ in range(depth):
        options.append({"type": "array", "items": options[-1]})
    if deeper:
        options[-1] = {}
        for _ in range(depth):
            options[-1] = {"type": "array", "items": options[-1]}
    return {"anyOf": leaves + options[1:]}
