"""Walk a pickle's opcodes without running them: what it imports and whether it reads fully.

:func:`pickletools.genops` lists the opcodes; the walk mirrors the unpickler's stack, marks
and memo on top of it, so the module and name a ``STACK_GLOBAL`` imports are resolved exactly
as ``pickle.load`` would resolve them, memo lookups included. Nothing is imported or called:
objects the unpickler would create are recorded as :class:`Built` placeholders.

joblib writes each numpy array as a ``NumpyArrayWrapper`` followed by the array's raw bytes
(or, for object arrays, by a nested pickle); with ``joblib_arrays=True`` the walk reads past
them as ``joblib.load`` does and walks the nested pickles.

Example:
    >>> import collections, io, pickle
    >>> walk = walk_pickle(Reader(io.BytesIO(pickle.dumps(collections.OrderedDict()))))
    >>> [g.dotted for g in walk.globals], walk.complete
    (['collections.OrderedDict'], True)
"""

from __future__ import annotations

import math
import pickletools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from modelshare.safety.sources import READ_ERRORS, Reader

HIGHEST_PROTOCOL = 5
"""The highest pickle protocol Python reads; a higher one fails to load."""

MAX_VALUES = 1_000_000
"""Values a walk may model (about 300 bytes each at most: 320 MB): a pickle building more is
not walked further and is unsafe, so a small file cannot make the scan hold gigabytes. A
state_dict needs a few dozen per tensor."""

CONSTANT_OPCODES = frozenset(
    {
        "INT",
        "BININT",
        "BININT1",
        "BININT2",
        "LONG",
        "LONG1",
        "LONG4",
        "FLOAT",
        "BINFLOAT",
        "STRING",
        "BINSTRING",
        "SHORT_BINSTRING",
        "BINBYTES",
        "SHORT_BINBYTES",
        "BINBYTES8",
        "BYTEARRAY8",
        "UNICODE",
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "BINUNICODE8",
    }
)
"""Opcodes that push their argument as a value."""

DTYPE_CODE = re.compile(r"[A-Za-z]\d{0,5}")
"""The type codes numpy writes when it pickles a dtype (``f8``, ``O8``, ``U20``, ``M8``)."""


@dataclass(frozen=True)
class Global:
    """A module and a name the unpickler would import.

    Example:
        >>> Global("torch._utils", "_rebuild_tensor_v2").dotted
        'torch._utils._rebuild_tensor_v2'
        >>> Global("torch", "_utils._rebuild_tensor_v2").dotted
        'torch:_utils._rebuild_tensor_v2'
    """

    module: str
    name: str

    @property
    def dotted(self) -> str:
        """``module.name``; ``module:name`` when the name is an attribute path."""
        text = f"{self.module}{':' if '.' in self.name else '.'}{self.name}"
        return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")

    @property
    def importable(self) -> bool:
        """Whether the module is a dotted name that ``import`` could find. A NUL byte ends
        the name for built-in and frozen modules (``os``, ``posix``, ``sys``): CPython finds
        them by C string, so ``os\\x00junk`` imports ``os``; any other module with a NUL fails.

        Example:
            >>> Global("os\\x00junk", "system").importable, Global("json\\x00x", "loads").importable
            (True, False)
        """
        module, nul, _ = self.module.partition("\x00")
        if not all(part.isidentifier() for part in module.split(".")):
            return False
        return not nul or _builtin_or_frozen(module)


def _builtin_or_frozen(module: str) -> bool:
    """Whether a module is compiled into the interpreter or frozen (found without a file)."""
    from importlib.machinery import BuiltinImporter, FrozenImporter

    return any(finder.find_spec(module) is not None for finder in (BuiltinImporter, FrozenImporter))


JOBLIB_ARRAY = Global("joblib.numpy_pickle", "NumpyArrayWrapper")
NUMPY_DTYPE = Global("numpy", "dtype")


@dataclass(eq=False)
class Built:
    """An object the unpickler would create by calling ``factory``; ``BUILD`` sets ``state``."""

    factory: Any
    args: Any
    state: Any = None


class Opaque:
    """A value the walk does not model: a persistent object, a buffer, a computed object."""


OPAQUE = Opaque()


@dataclass
class PickleWalk:
    """What walking one pickle found.

    Example:
        >>> import io
        >>> walk = walk_pickle(Reader(io.BytesIO(b"cos\\nsystem\\n(S'ls'\\ntR.")))
        >>> walk.complete, walk.imports, [g.dotted for g in walk.globals]
        (True, True, ['os.system'])
    """

    globals: list[Global] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    value: Any = None
    """What ``pickle.load`` would return, as far as the walk models it."""
    complete: bool = False
    """The walk reached STOP with every opcode understood."""
    imports: bool = False
    """An importable global, an extension code or a persistent id was met."""
    joblib_arrays: int = 0
    """Arrays read past as ``joblib.load`` reads them."""

    def absorb(self, other: PickleWalk) -> None:
        """Add what a nested pickle's walk found."""
        self.globals += other.globals
        self.problems += other.problems
        self.imports |= other.imports
        self.joblib_arrays += other.joblib_arrays


def walk_pickle(
    reader: Reader, *, persistent_ids: bool = False, joblib_arrays: bool = False
) -> PickleWalk:
    """Walk one pickle from the reader's position up to and including its STOP opcode.

    ``persistent_ids`` allows ``PERSID``/``BINPERSID`` (PyTorch checkpoints name their
    storages with them); anywhere else they are a problem. ``joblib_arrays`` reads array bytes
    and nested pickles after each ``NumpyArrayWrapper`` as ``joblib.load`` does.

    Example:
        >>> import io
        >>> walk = walk_pickle(Reader(io.BytesIO(b"cos\\nsystem\\n(S'ls'\\ntR.")))
        >>> [g.dotted for g in walk.globals], walk.complete
        (['os.system'], True)
    """
    return _Walker(reader, persistent_ids=persistent_ids, joblib_arrays=joblib_arrays).run()


class _Broken(Exception):
    """The unpickler would fail here: the walk cannot go on."""


class _Walker:
    """The unpickler's stack machine, with placeholders instead of imports and calls."""

    def __init__(self, reader: Reader, *, persistent_ids: bool, joblib_arrays: bool) -> None:
        self.reader = reader
        self.persistent_ids = persistent_ids
        self.joblib_arrays = joblib_arrays
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.values = 0
        self.walk = PickleWalk()
        self.position = reader.tell()
        self.handlers: dict[str, Callable[[Any], None]] = {
            "PROTO": self._proto,
            "FRAME": _ignore,
            "READONLY_BUFFER": _ignore,
            "NEXT_BUFFER": self._next_buffer,
            "NONE": lambda _: self._push(None),
            "NEWTRUE": lambda _: self._push(True),
            "NEWFALSE": lambda _: self._push(False),
            "EMPTY_TUPLE": lambda _: self._push(()),
            "EMPTY_LIST": lambda _: self._push([]),
            "EMPTY_DICT": lambda _: self._push({}),
            "EMPTY_SET": lambda _: self._push(set()),
            "MARK": self._mark,
            "POP": self._pop_any,
            "POP_MARK": lambda _: self._pop_mark(),
            "DUP": lambda _: self._push(self._top()),
            "TUPLE": lambda _: self._push(tuple(self._pop_mark())),
            "TUPLE1": lambda _: self._push(self._pop_many(1)),
            "TUPLE2": lambda _: self._push(self._pop_many(2)),
            "TUPLE3": lambda _: self._push(self._pop_many(3)),
            "LIST": lambda _: self._push(self._pop_mark()),
            "DICT": lambda _: self._push(self._filled({}, self._pop_mark())),
            "FROZENSET": lambda _: self._push(self._hashed(frozenset, self._pop_mark())),
            "APPEND": lambda _: self._extend([self._pop()]),
            "APPENDS": lambda _: self._extend(self._pop_mark()),
            "SETITEM": lambda _: self._set_items(self._pop_many(2)),
            "SETITEMS": lambda _: self._set_items(self._pop_mark()),
            "ADDITEMS": self._add_items,
            "GET": self._get,
            "BINGET": self._get,
            "LONG_BINGET": self._get,
            "PUT": self._put,
            "BINPUT": self._put,
            "LONG_BINPUT": self._put,
            "MEMOIZE": lambda _: self._put(len(self.memo)),
            "GLOBAL": lambda arg: self._push(self._import(*arg.split(" ", 1))),
            "STACK_GLOBAL": self._stack_global,
            "INST": self._inst,
            "OBJ": self._obj,
            "NEWOBJ": self._newobj,
            "NEWOBJ_EX": self._newobj_ex,
            "REDUCE": self._reduce,
            "BUILD": self._build,
            "EXT1": self._extension,
            "EXT2": self._extension,
            "EXT4": self._extension,
            "PERSID": self._persistent_id,
            "BINPERSID": lambda _: self._persistent_id(self._pop()),
            "STOP": self._stop,
        }

    def run(self) -> PickleWalk:
        try:
            for opcode, arg, position in pickletools.genops(self.reader):
                self.position = position
                self._step(opcode.name, arg)
        except _Broken as error:
            self.walk.problems.append(f"cannot parse completely: {error} (byte {self.position})")
        except ValueError as error:  # genops: unknown opcode, short argument, no STOP
            self.walk.problems.append(f"cannot parse completely: {error}")
        except READ_ERRORS as error:
            self.walk.problems.append(f"cannot read completely: {error}")
        return self.walk

    def _step(self, name: str, arg: Any) -> None:
        if name in CONSTANT_OPCODES:
            self._push(arg)
            return
        handler = self.handlers.get(name)
        if handler is None:
            raise _Broken(f"opcode {name} is not understood")
        handler(arg)

    # the stack, as pickle's Unpickler keeps it: the current list and one list per MARK

    def _push(self, value: Any) -> None:
        self._count_value()
        self.stack.append(value)

    def _count_value(self) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _Broken(f"it builds more than {MAX_VALUES:,} values; not walked further")

    def _pop(self) -> Any:
        if not self.stack:
            raise _Broken("the stack is empty")
        return self.stack.pop()

    def _pop_many(self, count: int) -> tuple[Any, ...]:
        values = [self._pop() for _ in range(count)]
        return tuple(reversed(values))

    def _top(self) -> Any:
        if not self.stack:
            raise _Broken("the stack is empty")
        return self.stack[-1]

    def _mark(self, _: Any) -> None:
        self._count_value()
        self.metastack.append(self.stack)
        self.stack = []

    def _pop_mark(self) -> list[Any]:
        if not self.metastack:
            raise _Broken("no MARK to pop to")
        items, self.stack = self.stack, self.metastack.pop()
        return items

    def _pop_any(self, _: Any) -> None:
        if self.stack:
            self.stack.pop()
        else:
            self._pop_mark()

    # containers

    def _filled(self, target: dict[Any, Any], items: list[Any]) -> dict[Any, Any]:
        self._store_pairs(target, items)
        return target

    def _set_items(self, items: tuple[Any, ...] | list[Any]) -> None:
        target = self._top()
        if isinstance(target, dict):
            self._store_pairs(target, list(items))

    def _store_pairs(self, target: dict[Any, Any], items: list[Any]) -> None:
        try:
            target.update(zip(items[::2], items[1::2], strict=False))
        except TypeError as error:
            raise _Broken(f"a dictionary key is unhashable: {error}") from None

    def _extend(self, items: list[Any]) -> None:
        target = self._top()
        if isinstance(target, list):
            target.extend(items)

    def _add_items(self, _: Any) -> None:
        items = self._pop_mark()
        target = self._top()
        if isinstance(target, set):
            target.update(self._hashed(set, items))

    def _hashed(self, kind: Callable[[list[Any]], Any], items: list[Any]) -> Any:
        try:
            return kind(items)
        except TypeError as error:
            raise _Broken(f"a set item is unhashable: {error}") from None

    # the memo

    def _get(self, index: int) -> None:
        if index not in self.memo:
            raise _Broken(f"memo entry {index} was never stored")
        self._push(self.memo[index])

    def _put(self, index: int) -> None:
        if index < 0:
            raise _Broken(f"memo index {index} is negative")
        self.memo[index] = self._top()

    # imports and calls

    def _import(self, module: str, name: str = "") -> Global:
        imported = Global(module, name)
        self.walk.globals.append(imported)
        self.walk.imports |= imported.importable
        return imported

    def _stack_global(self, _: Any) -> None:
        module, name = self._pop_many(2)
        if isinstance(module, str) and isinstance(name, str):
            self._push(self._import(module, name))
        elif any(isinstance(part, (Built, Opaque)) for part in (module, name)):
            self.walk.problems.append("imports a global whose name is computed while loading")
            self.walk.imports = True
            self._push(OPAQUE)
        else:
            raise _Broken("STACK_GLOBAL needs a module and a name as strings")

    def _inst(self, arg: str) -> None:
        factory = self._import(*arg.split(" ", 1))
        self._push(Built(factory, tuple(self._pop_mark())))

    def _obj(self, _: Any) -> None:
        items = self._pop_mark()
        if not items:
            raise _Broken("OBJ has no class")
        self._push(Built(items[0], tuple(items[1:])))

    def _newobj(self, _: Any) -> None:
        factory, args = self._pop_many(2)
        self._push(Built(factory, args))

    def _newobj_ex(self, _: Any) -> None:
        factory, args, _kwargs = self._pop_many(3)
        self._push(Built(factory, args))

    def _reduce(self, _: Any) -> None:
        args = self._pop()
        self.stack[-1] = Built(self._top(), args)

    def _build(self, _: Any) -> None:
        state = self._pop()
        target = self._top()
        if not isinstance(target, Built):
            return
        both_dicts = isinstance(target.state, dict) and isinstance(state, dict)
        target.state = {**target.state, **state} if both_dicts else state
        if self.joblib_arrays and target.factory == JOBLIB_ARRAY:
            self._read_joblib_array(target)
            self.stack[-1] = OPAQUE

    def _extension(self, code: int) -> None:
        self.walk.problems.append(
            f"extension code {code} imports a global registered with copyreg, "
            "which the file does not name"
        )
        self.walk.imports = True
        self._push(OPAQUE)

    def _persistent_id(self, pid: Any) -> None:
        self.walk.imports = True
        if not self.persistent_ids:
            self.walk.problems.append(
                "uses persistent ids, which only a PyTorch checkpoint's loader resolves"
            )
        self._push(OPAQUE)

    # framing

    def _proto(self, protocol: int) -> None:
        if protocol > HIGHEST_PROTOCOL:
            raise _Broken(f"pickle protocol {protocol} is not supported")

    def _next_buffer(self, _: Any) -> None:
        raise _Broken("refers to an out-of-band buffer that the file does not hold")

    def _stop(self, _: Any) -> None:
        self.walk.value = self._pop()
        self.walk.complete = True

    # joblib

    def _read_joblib_array(self, wrapper: Built) -> None:
        count, itemsize, has_objects, aligned = _joblib_array_layout(wrapper)
        if has_objects:
            nested = walk_pickle(self.reader)
            self.walk.absorb(nested)
            if not nested.complete:
                raise _Broken("the pickled object array is incomplete")
        else:
            padding = self.reader.read(1) if aligned else b"\x00"
            if len(padding) != 1 or self.reader.skip(padding[0]) != padding[0]:
                raise _Broken("the array's alignment padding is truncated")
            if self.reader.skip(count * itemsize) != count * itemsize:
                raise _Broken("the array's data is truncated")
        self.walk.joblib_arrays += 1


def _ignore(_: Any) -> None:
    """Opcodes that change nothing the walk models."""


def _joblib_array_layout(wrapper: Built) -> tuple[int, int, bool, bool]:
    """Element count, item size, whether objects follow as a pickle, whether padded."""
    if wrapper.args != () or not isinstance(wrapper.state, dict):
        raise _Broken("a joblib array wrapper is not built as joblib builds it")
    state = wrapper.state
    shape = state.get("shape")
    if not isinstance(shape, tuple) or not all(_is_size(n) for n in shape):
        raise _Broken(f"a joblib array has an unreadable shape {shape!r}")
    itemsize, has_objects = _dtype_layout(state.get("dtype"))
    aligned = state.get("numpy_array_alignment_bytes") is not None
    return math.prod(shape), itemsize, has_objects, aligned


def _dtype_layout(dtype: Any) -> tuple[int, bool]:
    """Item size and whether it holds objects, for a pickled plain (unstructured) numpy dtype."""
    import numpy as np

    args = dtype.args if isinstance(dtype, Built) and dtype.factory == NUMPY_DTYPE else None
    state = dtype.state if isinstance(dtype, Built) else None
    plain = isinstance(state, tuple) and len(state) >= 8 and state[2:5] == (None, None, None)
    if not (isinstance(args, tuple) and args and isinstance(args[0], str) and plain):
        raise _Broken("a joblib array has a dtype the scan cannot size")
    if not DTYPE_CODE.fullmatch(args[0]):
        raise _Broken(f"a joblib array has an unknown dtype {args[0]!r}")
    try:
        parsed = np.dtype(args[0])
    except TypeError:
        raise _Broken(f"a joblib array has an unknown dtype {args[0]!r}") from None
    declared = state[5]
    itemsize = declared if _is_size(declared) and declared > 0 else parsed.itemsize
    return itemsize, parsed.hasobject


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
