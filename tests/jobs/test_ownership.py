"""Job tokens: a job's own token or the lecturer's manages it; nothing else does."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from autograd_explorer.jobs.ownership import may_manage, new_job_token, token_hash
from autograd_explorer.store.records import ModelRecord, ModelStore


def record(tmp_path: Path, owner_token_hash: str | None) -> ModelRecord:
    made = ModelStore(tmp_path).create({}, owner_token_hash=owner_token_hash)
    assert made is not None
    return made


def test_tokens_are_fresh_and_only_their_hash_is_kept() -> None:
    (first, first_hash), (second, _) = new_job_token(), new_job_token()
    assert first != second and len(first) >= 40
    assert first_hash == token_hash(first) == hashlib.sha256(first.encode()).hexdigest()
    assert first not in first_hash


def test_the_owner_and_the_lecturer_may_manage_and_nobody_else(tmp_path: Path) -> None:
    token, digest = new_job_token()
    job = record(tmp_path, digest)
    assert may_manage(job, token, None)
    assert may_manage(job, "lecturer", "lecturer")
    assert not may_manage(job, new_job_token()[0], "lecturer")
    assert not may_manage(job, digest, None)  # the stored hash is not a token
    assert not may_manage(job, None, None) and not may_manage(job, "", "")
    assert not may_manage(job, token + "x", None)


def test_a_job_without_a_token_is_the_lecturers_only(tmp_path: Path) -> None:
    legacy = record(tmp_path, None)
    assert not may_manage(legacy, new_job_token()[0], None)
    assert not may_manage(legacy, "anything", "lecturer")
    assert may_manage(legacy, "lecturer", "lecturer")
    assert not may_manage(replace(legacy, owner_token_hash=""), "", None)
