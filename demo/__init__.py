"""The demo school: a deterministic, realistic school built with Faker, for trying the
journal out, for tests and for benchmarks.

It sits beside models/, not in it: models/ holds the school's own data, rules, access and
the database binding, and imports nothing from here.
"""
from __future__ import annotations

__all__ = ["build_demo"]


def __getattr__(name: str):
    # Faker is slow to import: `journal` loads demo.cli for every command, so the builder
    # (and Faker with it) is loaded only when asked for.
    if name == "build_demo":
        from .school import build_demo

        return build_demo
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
