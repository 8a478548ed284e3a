"""The package's version, in a module of its own: the app and its health route read it without
importing the package's ``__init__`` (which offers ``gdviz.watch``)."""

__version__ = "0.1.0"
