"""Who may cancel or delete a training job: whoever holds its job token, or the lecturer.

The token is handed out once, when the job is created; the store keeps only its SHA-256 (a
256-bit random token needs no slow hash). Jobs from before tokens, or trained by the CLI, have
none: only the lecturer token (setting `lecturer_token`) reaches them.

Identical requests are one job (issue 15): a request that joins an existing job gets no token,
and once a job answers more than one request its creator's token no longer cancels or deletes
it either (one student must not stop or remove the model 299 others are watching); the
lecturer token still does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from autograd_explorer.store.records import ModelRecord


def new_job_token() -> tuple[str, str]:
    """A fresh token for the job's creator, and the hash the store keeps."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """What the store keeps of a job token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def may_manage(record: ModelRecord, presented: str | None, lecturer_token: str | None) -> bool:
    """Whether `presented` is the job's own token or the lecturer token (compared in constant time)."""
    if not presented:
        return False
    if lecturer_token and hmac.compare_digest(
        presented.encode("utf-8", "surrogatepass"), lecturer_token.encode("utf-8", "surrogatepass")
    ):
        return True
    owner = record.owner_token_hash
    return owner is not None and record.requests <= 1 and hmac.compare_digest(token_hash(presented), owner)
