"""gdviz: gradient descent made visible. ``gdviz.watch`` shows a loop of your own (``watching.py``);
``gdviz serve`` serves the page (``cli.py``)."""

from typing import Any

from .version import __version__


def __getattr__(name: str) -> Any:
    """``gdviz.watch``, imported when first asked for: the server and the CLI need none of it."""
    if name == "watch":
        from .watching import watch

        return watch
    raise AttributeError(f"module 'gdviz' has no attribute {name!r}")


__all__ = ["__version__", "watch"]
