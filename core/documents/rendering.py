"""Rendering documents away from the event loop: in worker processes, so a page never stalls the loop.

A proof takes several milliseconds of pure Python (reportlab). In a thread it still holds the interpreter
lock for that long, and in a rush hundreds of them would take turns with every tap the loop is serving.
A small process pool renders them on another core instead. The pool is shared by every runtime of a
process and made on first use; `warm_up` starts it before the first applicant needs it.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial

from core.documents.proof import ProofData, ProofLabels, render_proof

log = logging.getLogger(__name__)
_pools: dict[int, ProcessPoolExecutor] = {}
# Why a process cannot start workers (a daemonic process may not have children, a sandbox may forbid it).
_CANNOT = (AssertionError, OSError, BrokenProcessPool)


def _pool(workers: int) -> ProcessPoolExecutor:
    pool = _pools.get(workers)
    if pool is None:
        # spawn: a forked copy of a process with a running event loop and threads is not safe to use.
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        _pools[workers] = pool
    return pool


def _ready() -> bool:
    return True  # importing this module in the worker loads reportlab and segno


def warm_up(workers: int) -> None:
    """Starts the workers in the background (the first render waits for them if it comes sooner)."""
    if workers > 0:
        try:
            _pool(workers).submit(_ready)
        except _CANNOT:
            log.warning("no worker processes for PDFs here; they are rendered in a thread", exc_info=True)


async def render_proof_off_loop(data: ProofData, labels: ProofLabels, *, signing_key: bytes, workers: int) -> bytes:
    """`workers` processes render (0: a thread of this process, for a machine with one core)."""
    work = partial(render_proof, data, labels, signing_key=signing_key)
    if workers > 0:
        try:
            return await asyncio.get_running_loop().run_in_executor(_pool(workers), work)
        except _CANNOT:
            _pools.pop(workers, None)  # a broken pool is made anew next time
            log.warning("PDF worker processes unavailable; rendering in a thread", exc_info=True)
    return await asyncio.to_thread(work)


@atexit.register
def shut_down() -> None:
    """Stops the workers. Called by a process's own shutdown: a process started by multiprocessing (a worker
    of a test or benchmark) joins its children before atexit handlers run, and would wait for them forever."""
    while _pools:
        _, pool = _pools.popitem()
        pool.shutdown(wait=True, cancel_futures=True)
