"""YAML loading that remembers the line of every mapping, for error messages."""

from __future__ import annotations

from pathlib import Path

import yaml

from spacekg.errors import SpacekgError


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_list(path: Path, error: type[SpacekgError]) -> list[dict]:
    """Load a YAML file holding a list of mappings; each mapping gets ``__line__``.

    Args:
        path: the file.
        error: the exception class to raise (e.g. LexiconError).

    Raises:
        error: the file is not valid YAML or not a list of mappings (with the line).
    """
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(f"not valid YAML: {getattr(exc, 'problem', exc)}", path=str(path),
                    line=mark.line + 1 if mark else None) from exc
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise error("expected a YAML list of mappings", path=str(path), line=1)
    return data
