"""eventextract: text in, a validated, versioned event dataset out.

The package is a pure library: one module per stage of the data flow
(ingest -> nlp -> extract -> actors/dates/places -> validate -> publish). The Prefect flow in
``flows/`` and the Typer CLI are thin layers over it. Importing the package has no side effects.
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("eventextract")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
