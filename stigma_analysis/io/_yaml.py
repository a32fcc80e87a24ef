"""Strict YAML loading for specification files (instrument definitions, study files).

PyYAML's ``safe_load`` keeps the last of two equal keys in a mapping, so ``reverse: [1]``
followed by ``reverse: []`` silently loses the reverse items. :func:`load_yaml` refuses such
files with a :class:`~stigma_analysis.errors.SpecError` that names the key path and both lines,
and turns YAML syntax errors into a ``SpecError`` naming the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from stigma_analysis.errors import SpecError

__all__ = ["load_yaml"]

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _DuplicateKeyError(yaml.constructor.ConstructorError):
    """A key appears twice in one mapping (carried out of the loader, then a SpecError)."""

    def __init__(self, key_path: str, message: str) -> None:
        super().__init__(problem=message)
        self.key_path = key_path
        self.message = message


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings refuse a key given twice.

    Keys brought in by a merge (``<<: *anchor``) may be overridden, as YAML intends; only keys
    written twice in the same mapping are refused. ``key_paths`` maps ``id(node)`` of every
    mapping node to its key path (``scales.a``), filled by :func:`_index_paths` before
    construction.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.key_paths: dict[int, str] = {}

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        # before SafeConstructor.flatten_mapping, which prepends merged keys to node.value
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # unhashable key: SafeConstructor reports it
                continue
            line = key_node.start_mark.line + 1
            if first is not None:
                where = self.key_paths.get(id(node), "")
                label = key_node.value if isinstance(key_node, ScalarNode) else str(key)
                raise _DuplicateKeyError(
                    _join(where, label), f"key {key!r} appears twice (lines {first} and {line})"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _index_paths(root: Node, out: dict[int, str]) -> None:
    """Record the key path of every mapping node (iteratively: deep files do not recurse)."""
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in out:  # an alias of a node already seen (or a recursive anchor)
            continue
        if isinstance(node, MappingNode):
            out[id(node)] = path
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                label = key_node.value if isinstance(key_node, ScalarNode) else "?"
                stack.append((value_node, _join(path, str(label))))
        elif isinstance(node, SequenceNode):
            out[id(node)] = path
            for i, item in enumerate(node.value):
                stack.append((item, f"{path}[{i}]"))


def _syntax_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        text = ", ".join(parts) or "syntax error"
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            text += f" (line {mark.line + 1}, column {mark.column + 1})"
        return text
    return str(exc)


def load_yaml(text: str, *, file: str | Path | None) -> Any:
    """Parse one YAML document, refusing keys given twice in a mapping.

    Parameters
    ----------
    text : str
        The YAML text.
    file : path or None
        The file the text came from, named in errors.

    Returns
    -------
    Any
        The document as plain Python objects (``None`` for an empty document), as
        ``yaml.safe_load`` would give.

    Raises
    ------
    SpecError
        ``key`` is the path of a key given twice (``scales.a``), with both line numbers in the
        message; or ``""`` with ``"not valid YAML: ... (line N, column C)"`` for a syntax error.
    """
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _index_paths(node, loader.key_paths)
        return loader.construct_document(node)
    except _DuplicateKeyError as exc:
        raise SpecError(file, exc.key_path, exc.message) from None
    except yaml.YAMLError as exc:
        raise SpecError(file, "", f"not valid YAML: {_syntax_message(exc)}") from None
    except RecursionError:
        raise SpecError(file, "", "not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()
