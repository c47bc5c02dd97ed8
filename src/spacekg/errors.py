"""Exception hierarchy of spacekg.

Every error names the file, line or IRI at fault in its message. The CLI maps them to exit
codes: 0 success, 1 the graph does not conform (validation), 2 any other error.
"""

from __future__ import annotations


class SpacekgError(Exception):
    """Base class of all spacekg errors.

    Args:
        message: what went wrong.
        path: the file at fault, if any.
        line: the 1-based line in ``path``, if known.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{message}")


class SourceError(SpacekgError):
    """A source document is missing, unreadable, or its SHA-256 hash changed."""


class LexiconError(SpacekgError):
    """A lexicon entry is malformed (missing field, unknown class, duplicate id)."""


class RuleError(SpacekgError):
    """An extraction rule or domain rule is malformed, or its examples fail."""


class CurationError(SpacekgError):
    """A curated statement is malformed or its quote is not found in its document."""


class OntologyError(SpacekgError):
    """The ontology file cannot be parsed or lacks a term the pipeline uses."""


class ShapeError(SpacekgError):
    """A SHACL shape file is malformed, or validation could not run."""


class ValidationFailed(SpacekgError):
    """The graph does not conform to the SHACL shapes or a violation query returned rows."""
