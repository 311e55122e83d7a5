"""Read YAML written by anyone, within limits: what parses but cannot be used is one clear error.

PyYAML builds whatever a document asks for: lists nested thousands of levels deep (its composer
recurses once per level, as would any code walking the value), an integer of any length (Python
refuses to print one of more than 4,300 digits, and sexagesimal ones take quadratic time to
build), a date that does not exist, an alias inside the value its anchor names (a value that
contains itself), or a few lines that expand to billions of values through aliases. Each is
refused here with an :class:`UnusableYamlError` that names the line and says what to write instead.
A card's front matter (:mod:`modelshare.audit.hub_metadata`) and modelshare.yaml
(:mod:`modelshare.meta`) are both read this way.

Example:
    >>> load_yaml("tags: [a, b]\\n")[1]
    {'tags': ['a', 'b']}
    >>> try:
    ...     load_yaml("tags: " + "[" * 60 + "]" * 60)
    ... except UnusableYamlError as error:
    ...     print(error.problem, error.problem_mark.column, sep=", column ")
    lists and mappings nested more than 50 levels deep (aliases followed), column 55
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 50
"""Deepest nesting of lists and mappings, aliases followed (metadata needs fewer than 10)."""
MAX_INTEGER_CHARS = 1000
"""Longest integer read, in characters: within Python's 4,300-digit limit in every base."""
MAX_EXPANDED_VALUES = 100_000
"""Most values a document may stand for once its aliases are expanded."""
MAX_REASON_CHARS = 200
"""Longest reason quoted from a YAML error; longer ones are cut with an ellipsis."""


class UnusableYamlError(yaml.MarkedYAMLError):
    """YAML that parses but is refused: ``problem`` says why, ``note`` what to do, and
    ``problem_mark`` where.

    Example:
        >>> str(UnusableYamlError("an integer of 5000 characters", "quote it"))
        'an integer of 5000 characters\\nquote it'
    """

    def __init__(self, problem: str, fix: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(problem=problem, problem_mark=mark, note=fix)


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, measuring every node as it is composed: its height (levels of
    nesting it holds, keys included) and its size (values it stands for, aliases expanded)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._shapes: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """Compose one node, refusing it before it nests too deep or expands too far."""
        event = self.peek_event()
        if self._depth >= MAX_DEPTH:
            raise _too_deep(event.start_mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        height, size = self._shape(node, event)
        if self._depth + height > MAX_DEPTH:
            raise _too_deep(event.start_mark)
        if size > MAX_EXPANDED_VALUES:
            raise UnusableYamlError(
                f"the value expands to more than {MAX_EXPANDED_VALUES} values through YAML "
                "aliases (*name)",
                "write the values out instead of repeating aliases",
                event.start_mark,
            )
        return node

    def _shape(self, node: yaml.Node, event: yaml.Event) -> tuple[int, int]:
        """(height, size) of a node just composed; an alias reuses its anchor's."""
        if isinstance(node, yaml.ScalarNode):
            return 1, 1
        if isinstance(event, yaml.AliasEvent):
            if id(node) not in self._shapes:
                raise UnusableYamlError(
                    f"the alias *{event.anchor} stands inside the value its anchor names, "
                    "which would contain itself",
                    "write the values out instead of the alias",
                    event.start_mark,
                )
            return self._shapes[id(node)]
        if isinstance(node, yaml.MappingNode):
            keys, values = [key for key, _ in node.value], [value for _, value in node.value]
        else:
            keys, values = [], node.value
        known = self._shapes
        height = 1 + max((known.get(id(child), (1, 1))[0] for child in keys + values), default=0)
        size = 1 + sum(known.get(id(child), (1, 1))[1] for child in values)
        known[id(node)] = height, size
        return height, size

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """An integer, refused when it is too long to be printed (or built quickly)."""
        if len(node.value) > MAX_INTEGER_CHARS:
            raise UnusableYamlError(
                f"an integer of {len(node.value)} characters (at most {MAX_INTEGER_CHARS})",
                "quote it to keep it as text",
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date or time, refused when it does not exist (February 31st, hour 25)."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise UnusableYamlError(
                f"the date {node.value!r} does not exist ({error})",
                "write a real date, or quote it to keep it as text",
                node.start_mark,
            ) from error


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
_BoundedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_timestamp
)


def _too_deep(mark: yaml.Mark) -> UnusableYamlError:
    return UnusableYamlError(
        f"lists and mappings nested more than {MAX_DEPTH} levels deep (aliases followed)",
        "flatten the value",
        mark,
    )


def load_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The root node of a one-document YAML text and the value it builds, within the limits.

    Example:
        >>> root, value = load_yaml("license: mit\\n")
        >>> root.start_mark.line, value
        (0, {'license': 'mit'})

    Raises:
        UnusableYamlError: the text is nested too deep, expands to too many values, holds an
            alias inside its own anchor, an integer too long or a date that does not exist.
        yaml.YAMLError: the text is not YAML, or holds more than one document.
    """
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
        return root, loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


def explain_yaml_error(error: yaml.YAMLError, syntax_fix: str) -> tuple[str, str, str]:
    """(verdict, reason, fix) of a YAML error, each on one line; ``syntax_fix`` is what to do
    about YAML that does not parse.

    Example:
        >>> explain_yaml_error(UnusableYamlError("an integer of 5000 characters", "quote it"), "")
        ('cannot be used', 'an integer of 5000 characters', 'quote it')
        >>> explain_yaml_error(yaml.YAMLError("bad\\n  indent"), "fix the YAML")
        ('is not valid YAML', 'bad indent', 'fix the YAML')
    """
    reason = " ".join(str(getattr(error, "problem", None) or error).split())
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 1] + "…"
    if isinstance(error, UnusableYamlError):
        return "cannot be used", reason, str(error.note)
    return "is not valid YAML", reason, syntax_fix
