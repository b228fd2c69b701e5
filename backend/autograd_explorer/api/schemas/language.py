"""GET /api/language: the explorer language's vocabulary, typed (lang/allowlist.py fills it)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LanguageFunction(BaseModel):
    """A callable a program may name, under every spelling it accepts."""

    name: str
    spellings: list[str] = Field(description="torch.exp, exp, x.exp() …: every way to write it")
    summary: str


class LanguageMethod(BaseModel):
    """A tensor method (`x.backward()`)."""

    name: str
    summary: str


class LanguageAttribute(BaseModel):
    """A tensor attribute (`x.grad`); `settable` when a program may assign it."""

    name: str
    summary: str
    settable: bool


class LanguageMember(BaseModel):
    """A method or attribute of another type (list, dict, torch.nn.Module …)."""

    owner: str = Field(description="the type, as Python names it")
    name: str
    summary: str


class Language(BaseModel):
    """Functions, tensor methods and attributes a program may use, and what it may write."""

    functions: list[LanguageFunction]
    methods: list[LanguageMethod]
    attributes: list[LanguageAttribute]
    members: list[LanguageMember]
    modules: list[str]
    constants: list[str]
    statements: list[str]
    operators: list[str]
