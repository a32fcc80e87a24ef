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
from stigma_analysis.io._files import SPEC_FILE_LIMIT, read_bounded

__all__ = ["ALIAS_BUDGET", "load_yaml", "read_spec_text"]

_MERGE_TAG = "tag:yaml.org,2002:merge"
# values that aliases (``*name``) may add beyond those written out: a "billion laughs" file of
# a few hundred bytes otherwise expands to billions of values further down the line
ALIAS_BUDGET = 10_000


def read_spec_text(path: Path, *, what: str) -> str:
    """The UTF-8 text of a specification file (study or instrument file).

    A named pipe, device or folder, or a file above 10 MB, is a ``SpecError`` naming the file
    (``what`` says which kind of file it is: ``"study file"``). ``OSError`` (absent, no
    permission) and ``UnicodeDecodeError`` are left to the caller, which words them.
    """
    raw = read_bounded(
        path,
        limit=SPEC_FILE_LIMIT,
        error=lambda cause: SpecError(path, "", f"cannot read the {what}: {cause}"),
    )
    return raw.decode("utf-8")


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


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: Node, file: str | Path | None) -> None:
    """Refuse aliases that expand the document far beyond what is written, or into itself.

    Counts the nodes of the document as constructed (an alias counts its whole target each
    time), in time linear in the nodes written: each distinct node is visited once.
    """
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            entered.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if key in sizes:
            continue
        if key in entered:  # an ancestor of itself: only an alias can do that
            line = node.start_mark.line + 1
            raise SpecError(
                file, "", f"a YAML alias refers to the value that contains it (line {line})"
            )
        entered.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
    added = sizes[id(root)] - len(sizes)
    if added > ALIAS_BUDGET:
        raise SpecError(
            file,
            "",
            f"the YAML aliases (*name) expand to {added:,} more values than are written out, "
            f"more than the {ALIAS_BUDGET:,} allowed; write the repeated parts out instead",
        )


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
        message; or ``""`` with ``"not valid YAML: ... (line N, column C)"`` for a syntax error,
        or for aliases (``*name``) that add more than :data:`ALIAS_BUDGET` values to the
        document or refer to the value containing them.
    """
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, file)
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
