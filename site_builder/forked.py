"""Work spread over forked processes, for the nightly build's two (or more) cores.

Each process gets a fixed share of the items at the fork (nothing is pickled on the way
in: the items, the database binding and the caller's state are the parent's memory) and
sends back each result as it is done. A process whose parent is killed stops at its next
result (the pipe is broken); a failure in any process stops the whole run, and a full disk
in one is raised again in the parent as the same OSError, to be said as its own would be.
"""
from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from typing import TypeVar

from models import RuleError, db, disk

T = TypeVar("T")
R = TypeVar("R")


def available() -> bool:
    """Forking is how work reaches the processes (Linux, BSD): not on Windows."""
    return "fork" in multiprocessing.get_all_start_methods()


def shares(items: list[T], count: int, weight: Callable[[T], int]) -> list[list[T]]:
    """The items in `count` shares of nearly equal weight (heaviest first, to the lightest)."""
    result: list[list[T]] = [[] for _ in range(count)]
    loads = [0] * count
    for item in sorted(items, key=weight, reverse=True):
        lightest = loads.index(min(loads))
        result[lightest].append(item)
        loads[lightest] += weight(item)
    return [share for share in result if share]


def run(work: Callable[[T], R], items: list[T], processes: int,
        weight: Callable[[T], int]) -> Iterator[R]:
    """work(item) for every item in forked processes; the results in the order they come."""
    context = multiprocessing.get_context("fork")
    # Every process opens its own connection: a socket (or a pool's idle ones) cannot be
    # shared, so none is left open to be inherited.
    if not db.is_closed():
        db.close()
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    children = []
    try:
        for share in shares(items, processes, weight):
            reader, writer = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(work, share, reader, writer),
                                    daemon=True)
            child.start()
            writer.close()
            children.append((child, reader))
        waiting = {reader: child for child, reader in children}
        while waiting:
            for reader in wait(list(waiting)):
                try:
                    kind, value = reader.recv()
                except EOFError:
                    child = waiting[reader]
                    child.join()
                    raise RuntimeError(f"Процесс сборки завершился аварийно "
                                       f"(код {child.exitcode}).") from None
                if kind == "result":
                    yield value
                elif kind == "end":
                    del waiting[reader]
                elif kind == "rule":
                    raise RuleError(value)
                elif kind == "full":
                    raise OSError(*value)
                else:
                    raise RuntimeError(f"Ошибка в процессе сборки:\n{value}")
    finally:
        for child, reader in children:
            reader.close()
            if child.is_alive():
                child.terminate()
            child.join()


def _child(work, share, reader, writer) -> None:
    reader.close()  # so that a dead parent means a broken pipe here, not a full one
    try:
        for item in share:
            writer.send(("result", work(item)))
        writer.send(("end", None))
    except BrokenPipeError:
        return  # the parent is gone: nobody is waiting for the rest
    except RuleError as error:
        writer.send(("rule", str(error)))
    except Exception as error:
        if isinstance(error, OSError) and error.errno in disk.FULL_ERRNOS:
            # No bug, so no traceback: the build says in one line which disk is full.
            writer.send(("full", (error.errno, error.strerror, error.filename)))
        else:
            writer.send(("error", traceback.format_exc()))
    finally:
        writer.close()
        if not db.is_closed():
            db.close()
