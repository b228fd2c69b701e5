"""The body of one evaluation worker process: set limits, then run jobs from the pipe until EOF.

Imported by the fork server before it forks workers, so torch and the job modules load once.
"""

from __future__ import annotations

import math
import os
import resource
import signal
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from autograd_explorer.after_reply import after_reply, defer_until_reply, run_after_reply
from autograd_explorer.errors import ExplorerError, ProgramError
from autograd_explorer.lang.anomaly import anomaly_mode_off
from autograd_explorer.process_setup import configure_process
from autograd_explorer.sandbox.registry import JobFunction, load_job
from autograd_explorer.sandbox.wire import decode, encode, error_to_wire, reply_error, reply_ok, result_json
from autograd_explorer.settings import Settings


def memory_error(settings: Settings) -> ProgramError:
    """What a student reads when a program needs too much memory."""
    return ProgramError(
        "limit", f"The program needed more than {settings.eval_memory_mb} MB of memory (eval_memory_mb)."
    )


def limit_address_space(extra_mb: int) -> None:
    """Allow `extra_mb` of address space beyond what the process has mapped now.

    An absolute cap would be wrong: torch alone maps hundreds of MB of shared libraries.
    """
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped + extra_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def limit_cpu(seconds: float | None) -> None:
    """CPU time for the next job: SIGXCPU (which ends the process) once it has used `seconds` more.

    RLIMIT_CPU counts the whole life of the process, so the soft limit moves with each job;
    the hard limit stays where it is, so the soft one can be raised again afterwards.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if seconds is None:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def result_too_large(size: int, settings: Settings) -> ProgramError:
    """What a student reads when the answer itself would be too large to send."""
    return ProgramError(
        "limit",
        f"the answer would be {size:,} bytes of JSON, the limit is {settings.max_result_bytes:,} "
        "(max_result_bytes): "
        "ask for fewer values (a smaller max_value_elements, grid or program)",
    )


def run_job(function: JobFunction, payload: Any, settings: Settings, prepared: bool) -> bytes:
    """Call a job and return its result as JSON bytes, refused above max_result_bytes.

    The isolated pool and the inline evaluator both answer through here, so they refuse alike.
    Anomaly detection is one flag for the whole process: a program's (a hook of it that switched it
    on in a lab's own backward, after the program's run) ends with its job, as its run ends it.
    """
    with anomaly_mode_off():
        result = function(payload, settings)
    raw = result_json(result, prepared)
    # A large result's objects (a 20,003-node trace's columns: ~10 ms) are freed once it is sent.
    after_reply(lambda: result)
    if len(raw) > settings.max_result_bytes:
        raise result_too_large(len(raw), settings)
    return raw


def worker_main(conn: Connection, settings: Settings) -> None:
    """Serve jobs from `conn` until the server closes it (or a failed job asks to retire it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server decides
    configure_process()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU would otherwise dump core
    limit_address_space(settings.eval_memory_mb)
    defer_until_reply()  # what a job built is freed after its reply is sent (after_reply.py)
    loaded: dict[str, JobFunction] = {}
    try:
        conn.send_bytes(encode({"ready": os.getpid()}))
    except OSError:  # the pool closed while this worker was starting
        return
    while True:
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            return
        reply, retire = run_one(raw, settings, loaded)
        conn.send_bytes(reply)
        run_after_reply()
        if retire:
            return


def run_one(raw: bytes, settings: Settings, loaded: dict[str, JobFunction]) -> tuple[bytes, bool]:
    """Run one job request under its CPU limit; the encoded reply and whether to stop afterwards."""
    try:
        request = decode(raw)
    except ValueError as exc:  # the server only sends JSON objects: something is badly wrong
        return reply_error(error_to_wire(exc), retire=True), True
    limit_cpu(request.get("cpu_seconds"))
    try:
        return answer(request, settings, loaded)
    finally:
        limit_cpu(None)


def answer(
    request: Mapping[str, Any], settings: Settings, loaded: dict[str, JobFunction]
) -> tuple[bytes, bool]:
    """Run a decoded job request; its reply and whether this worker must stop afterwards.

    Whatever the user's data does, this returns a reply: a worker never dies on a request.
    """
    try:
        path = str(request["job"])
        function = loaded.get(path) or loaded.setdefault(path, load_job(path))
        return reply_ok(run_job(function, request["payload"], settings, bool(request.get("prepared")))), False
    except ExplorerError as exc:
        return reply_error(error_to_wire(exc)), False
    except MemoryError:
        # The heap may be in a poor state after a failed allocation: answer, then retire.
        return reply_error(error_to_wire(memory_error(settings)), retire=True), True
    except Exception as exc:
        if isinstance(exc, RuntimeError) and (
            "can't allocate memory" in str(exc) or "not enough memory" in str(exc)
        ):
            return reply_error(error_to_wire(memory_error(settings)), retire=True), True
        # Not a domain error: a bug of ours that this input reached. The server logs it and answers
        # a "runtime" 400; this worker retires in case the failure left it in a poor state.
        return reply_error(error_to_wire(exc), retire=True), True
