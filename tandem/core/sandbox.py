"""Rendering templates that end users write (email subjects and bodies, later pages), safely.

A template is Jinja2 text rendered in `ImmutableSandboxedEnvironment` with a plain dict of allowed values
(ARCHITECTURE §4.7): never ORM objects or settings, so what a template can reach is exactly what the caller
put in the dict. On top of Jinja's sandbox (no underscore attributes, no mutation of values), this module
makes sure a hostile or careless template cannot hurt the server:

- every render has a budget: a deadline (one second), a number of steps (loop iterations and calls), a
  ceiling on the size of any one value built while rendering (string and list multiplication, `**`,
  concatenation, padding and joining) and on the output. A check runs inside the sandbox at each step —
  calls, attribute and item lookups, operators, each loop iteration, each filter — so a runaway template
  stops by itself, on this thread, with `SandboxError`; no thread is left running that nobody can kill;
- there is no loader: `{% include %}`, `{% import %}`, `{% from %}` and `{% extends %}` are refused when the
  template is read, with their line;
- the globals are `range` (bounded) and `dict` only: `lipsum`, `cycler`, `joiner`, `namespace` and `self`
  are not available;
- a name that is not in the dict is an error that names it (`StrictUndefined`), except through `default`,
  which here also replaces an empty value: `{{ contact.first_name | default("there") }}`.

Every failure is a `SandboxError` with a sentence a user can act on and, where known, the template line. The
one entry point is `render(source, values, html=...)`; `check(source)` only reads it (the save of a
template). Callers that render the same dict into several templates render each on its own budget.
"""

import contextvars
import functools
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_context, pass_eval_context
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

DEADLINE_SECONDS = 1.0
MAX_SOURCE_LENGTH = 50_000
MAX_OUTPUT_LENGTH = 200_000
# The largest string, list or repeat count a template may build in one step.
MAX_VALUE_LENGTH = 100_000
# Loop iterations plus calls (functions, macros, filters) in one render.
MAX_STEPS = 200_000
# Characters and items built in one render, all values together (a loop building large values again and again).
MAX_TOTAL_LENGTH = 5_000_000
MAX_RANGE = 10_000
# The largest integer a template may build, in bits (2**4096 is already a 1,234-digit number).
MAX_INTEGER_BITS = 4096


class SandboxError(Exception):
    """A template that cannot be rendered: `message` says why in plain words, `line` where (or None).
    `code` is one of "syntax", "undefined", "not_allowed", "too_slow", "too_large", "error"."""

    def __init__(self, message: str, *, line: int | None = None, code: str = "error") -> None:
        self.message = message
        self.line = line
        self.code = code
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


@dataclass
class _Budget:
    deadline: float
    steps: int = 0
    built: int = 0
    printed: int = 0


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("sandbox_budget", default=None)


def _tick(count: int = 1) -> None:
    """One step of work: refuse once the render has used its time or its steps."""
    budget = _budget.get()
    if budget is None:
        return
    budget.steps += count
    if budget.steps > MAX_STEPS:
        raise SandboxError(
            f"The template does too much work (more than {MAX_STEPS:,} loop turns and calls).",
            code="too_slow",
        )
    if time.monotonic() > budget.deadline:
        raise SandboxError(
            f"The template took longer than {DEADLINE_SECONDS:g} second to render.", code="too_slow"
        )


def _too_large(what: str) -> SandboxError:
    return SandboxError(
        f"The template builds {what} longer than {MAX_VALUE_LENGTH:,} characters or items.", code="too_large"
    )


def _check_length(length: int, what: str = "a value", *, builds: bool = True) -> None:
    """Refuse a value longer than MAX_VALUE_LENGTH before it is built; one that `builds` also counts against
    the render's MAX_TOTAL_LENGTH (a width or a count given as an argument builds nothing by itself)."""
    if length > MAX_VALUE_LENGTH:
        raise _too_large(what)
    budget = _budget.get()
    if builds and budget is not None and length > 0:
        budget.built += length
        if budget.built > MAX_TOTAL_LENGTH:
            raise SandboxError(
                f"The template builds more than {MAX_TOTAL_LENGTH:,} characters or items in all.",
                code="too_large",
            )


def _is_sequence(value: Any) -> bool:
    return isinstance(value, str | bytes | bytearray | list | tuple)


_CONTAINERS = (list, tuple, dict, set, frozenset)


def _printable_length(value: Any, limit: int) -> int:
    """About how long `str(value)` is, counted without building it, stopping once past `limit`: a list may
    hold the same long string 100,000 times, and printing it would build all of them."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, _CONTAINERS):
        return len(str(value))
    total = 2
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
            total += 4 * len(item)
        elif isinstance(item, _CONTAINERS):
            stack.extend(item)
            total += 2 * len(item) + 2
        else:
            # repr quotes and escapes a string: at most four characters for one.
            total += (4 * len(item) if isinstance(item, str) else len(str(item))) + 2
    return total


def _check_printable(value: Any, what: str = "a value") -> None:
    """Refuse a list or dict whose printed form would be larger than a render may build in all."""
    if isinstance(value, _CONTAINERS) and _printable_length(value, MAX_TOTAL_LENGTH) > MAX_TOTAL_LENGTH:
        raise SandboxError(
            f"The template prints {what} longer than {MAX_TOTAL_LENGTH:,} characters.", code="too_large"
        )


def _check_integer(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INTEGER_BITS:
        raise SandboxError("The template builds a number too large to show.", code="too_large")


# A width or precision that pads a value to a huge size ("%999999999d", "{:>999999999}") or takes it from an
# argument ("%*d", "{:{}}"): formatting would allocate before any check could see the result.
_PERCENT_WIDTH = re.compile(r"%[#0\- +]*(\*|\d{5,}|\d*\.(\*|\d{5,}))")
_BRACE_WIDTH = re.compile(r"\{[^{}]*:[^{}]*(\d{5,}|\{)")


def _check_format(text: Any, *, braces: bool) -> None:
    if isinstance(text, str) and (_BRACE_WIDTH if braces else _PERCENT_WIDTH).search(text):
        raise SandboxError(
            "The template pads a value to a huge width (at most four digits, and not from an argument).",
            code="too_large",
        )


def _checked_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, an operation whose result would be too large."""
    if operator == "*":
        if _is_sequence(left) and isinstance(right, int):
            _check_length(len(left) * max(right, 0), "a repeated value")
        elif _is_sequence(right) and isinstance(left, int):
            _check_length(len(right) * max(left, 0), "a repeated value")
        elif (
            isinstance(left, int)
            and isinstance(right, int)
            and left.bit_length() + right.bit_length() > MAX_INTEGER_BITS
        ):
            raise SandboxError("The template builds a number too large to show.", code="too_large")
    elif operator == "**":
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and abs(left) > 1
            and right > 0
            and left.bit_length() * right > MAX_INTEGER_BITS
        ):
            raise SandboxError("The template builds a number too large to show.", code="too_large")
    elif operator == "+":
        if _is_sequence(left) and _is_sequence(right):
            _check_length(len(left) + len(right), "a joined value")
    elif operator == "%" and isinstance(left, str):
        _check_format(left, braces=False)
        _check_printable(right, "a formatted value")


def _joinable(items: Any, separator: str = "") -> list[Any]:
    """`items` as a list (a generator is read once, here), refused when `separator.join` of it would be too
    long: counted item by item, so a huge result is refused before it is built."""
    values: list[Any] = []
    total = 0
    for index, item in enumerate(items):
        total += _printable_length(item, MAX_VALUE_LENGTH) + (len(separator) if index else 0)
        _check_length(total, "a joined value", builds=False)
        values.append(item)
    _check_length(total, "a joined value")
    return values


_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


def _checked_string_method(method: Any, args: tuple, kwargs: dict) -> tuple:
    """Padding, replacing and joining on a string can multiply its size in one call: check before. Returns
    the arguments to call it with (what `join` gets is read once, as a list)."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if not isinstance(owner, str):
        return args
    if name in _PADDING_METHODS:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int):
                _check_length(value, "a padded value")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        occurrences = owner.count(args[0])
        _check_length(len(owner) + occurrences * (len(args[1]) - len(args[0])), "a replaced value")
    elif name == "join" and args:
        return (_joinable(args[0], owner), *args[1:])
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((len(value) for value in args[0].values() if isinstance(value, str)), default=1)
        _check_length(len(owner) * max(longest, 1), "a translated value")
    return args


class _Undefined(StrictUndefined):
    """A name that is not a merge field: an error naming it, in words."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        if self._undefined_obj is not missing:
            return f"“{self._undefined_name}” is not one of the fields available here."
        return f"“{self._undefined_name}” is not a merge field."


class _Rewriter(NodeTransformer):
    """Reads the parsed template once: refuses what has no place in an end-user template, and routes every
    loop and every `~` through a checked function, so they count against the render's budget."""

    REFUSED = {
        nodes.Include: "include other templates",
        nodes.Import: "import other templates",
        nodes.FromImport: "import from other templates",
        nodes.Extends: "extend other templates",
    }

    def generic_visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> nodes.Node:
        for node_type, what in self.REFUSED.items():
            if isinstance(node, node_type):
                raise SandboxError(f"Templates cannot {what} here.", line=node.lineno, code="not_allowed")
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name == "self":
            raise SandboxError("“self” is not available in templates.", line=node.lineno, code="not_allowed")
        return super().generic_visit(node, *args, **kwargs)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "sandbox_iterate", [], [], None, None, lineno=node.lineno)
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        # Literal text goes through `sandbox_text` (and so through `finalize`, which counts what is printed):
        # a loop around a long literal inside `{% set %}` or a macro would otherwise build it unseen.
        node = self.generic_visit(node)
        node.nodes = [
            nodes.Filter(nodes.Const(child.data), "sandbox_text", [], [], None, None, lineno=child.lineno)
            if isinstance(child, nodes.TemplateData)
            else child
            for child in node.nodes
        ]
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        return nodes.Filter(
            nodes.List(node.nodes, lineno=node.lineno),
            "sandbox_concat",
            [],
            [],
            None,
            None,
            lineno=node.lineno,
        )


def _iterate(values: Any) -> Iterable[Any]:
    for value in values:
        _tick()
        yield value


@pass_eval_context
def _concat(eval_context: Any, values: list[Any]) -> str:
    """`a ~ b`, as Jinja joins it (escaping plain text next to markup under autoescape), size checked first."""
    values = _joinable(values)
    return markup_join(values) if eval_context.autoescape else str_join(values)


@pass_context
def _text(context: Any, data: str) -> str:
    """A piece of the template's literal text, as written (never escaped)."""
    return Markup(data) if context.eval_ctx.autoescape else data  # noqa: S704 (the template's own text)


def _finalize(value: Any) -> Any:
    """Every value printed, at the top of the template or inside `{% set %}`, a macro or a filter block: its
    length counts against the render's budget before Jinja turns it into text."""
    length = _printable_length(value, MAX_OUTPUT_LENGTH)
    if length > MAX_OUTPUT_LENGTH:
        raise SandboxError(
            f"The template's result is longer than {MAX_OUTPUT_LENGTH:,} characters.", code="too_large"
        )
    budget = _budget.get()
    if budget is not None:
        budget.printed += length
        if budget.printed > MAX_TOTAL_LENGTH:
            raise SandboxError(
                f"The template prints more than {MAX_TOTAL_LENGTH:,} characters in all.", code="too_large"
            )
    return value


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SandboxError(f"range() may give at most {MAX_RANGE:,} numbers.", code="too_large")
    return numbers


def _default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    """`default`: a missing or empty merge value is replaced ("there" for a contact without a first name)."""
    if value is None or isinstance(value, _Undefined) or value == "":
        return default_value
    if boolean and not value:
        return default_value
    return value


def _checked_filter(name: str, function: Any) -> Any:
    # Jinja hands some filters the context or environment first (`jinja_pass_arg`); the value comes next.
    offset = 1 if hasattr(function, "jinja_pass_arg") else 0

    def checked(*args: Any, **kwargs: Any) -> Any:
        _tick()
        value, arguments = (args[offset], args[offset + 1 :]) if len(args) > offset else (None, ())
        for argument in (value, *arguments, *kwargs.values()):
            _check_printable(argument)
        # A number among the arguments is a width, count or size: cap it before the filter allocates.
        if name != "round":
            for argument in (*arguments, *kwargs.values()):
                if isinstance(argument, int) and not isinstance(argument, bool):
                    _check_length(abs(argument), f"a value (the {name} filter's argument)", builds=False)
        if name == "format":
            _check_format(value, braces=False)
        elif name == "replace" and isinstance(value, str) and len(arguments) >= 2:
            old, new = str(arguments[0]), str(arguments[1])
            _check_length(len(value) + value.count(old) * (len(new) - len(old)), "a replaced value")
        elif name == "indent" and isinstance(value, str):
            width = arguments[0] if arguments else kwargs.get("width", 4)
            width_length = len(width) if isinstance(width, str) else int(width or 0)
            _check_length(len(value) + (value.count("\n") + 1) * width_length, "an indented value")
        elif name == "join" and value is not None and not isinstance(value, str):
            separator = arguments[0] if arguments and isinstance(arguments[0], str) else ""
            args = (*args[:offset], _joinable(value, separator), *arguments)
        result = function(*args, **kwargs)
        if _is_sequence(result):
            _check_length(len(result), f"a value (the {name} filter's result)")
        return result

    if offset:
        checked.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return checked


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, html: bool) -> None:
        super().__init__(
            autoescape=html,
            undefined=_Undefined,
            loader=None,
            auto_reload=False,
            cache_size=0,
            finalize=_finalize,
        )
        self.globals = {"range": _bounded_range, "dict": dict}
        self.filters["default"] = self.filters["d"] = _default
        # Not for email text, and too costly to bound: JSON with an indent of thousands per level, and
        # wordwrap's line breaking (quadratic on a long word, a separator of any length between lines).
        del self.filters["tojson"]
        del self.filters["wordwrap"]
        self.filters = {name: _checked_filter(name, function) for name, function in self.filters.items()}
        self.filters["sandbox_iterate"] = _iterate
        self.filters["sandbox_concat"] = _concat
        self.filters["sandbox_text"] = _text

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _Rewriter().visit(super()._parse(source, name, filename))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _tick()
        _checked_binop(operator, left, right)
        result = super().call_binop(context, operator, left, right)
        _check_integer(result)
        return result

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's own signature)
        _tick()
        for argument in (*args, *kwargs.values()):
            _check_printable(argument)
        args = _checked_string_method(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        if isinstance(obj, _Undefined):
            # Name the missing merge field, not the attribute reached for behind it.
            obj._fail_with_undefined_error()
        if isinstance(obj, str) and attribute in ("format", "format_map"):
            _check_format(obj, braces=True)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        return super().getitem(obj, argument)


_ENVIRONMENTS = {True: _Environment(html=True), False: _Environment(html=False)}


def _template_line(error: BaseException) -> int | None:
    """The template line the error came from: Jinja rewrites the traceback so that the template's own frames
    carry its line numbers under the file name "<template>"."""
    line = getattr(error, "lineno", None) or getattr(error, "line", None)
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _as_sandbox_error(error: BaseException) -> SandboxError:
    if isinstance(error, SandboxError):
        if error.line is None:
            error.line = _template_line(error)
        return error
    line = _template_line(error)
    if isinstance(error, TemplateSyntaxError):
        return SandboxError(_syntax_message(error), line=error.lineno, code="syntax")
    if isinstance(error, UndefinedError):
        return SandboxError(str(error.message or error), line=line, code="undefined")
    if isinstance(error, SecurityError):
        return SandboxError(
            "The template reaches for something that is not available in templates.",
            line=line,
            code="not_allowed",
        )
    if isinstance(error, RecursionError):
        return SandboxError("The template calls itself without end.", line=line, code="too_slow")
    if isinstance(error, MemoryError | OverflowError):
        return SandboxError("The template builds a value too large to show.", line=line, code="too_large")
    if isinstance(error, TemplateError):
        return SandboxError(str(error.message or error), line=line)
    return SandboxError(f"The template could not be rendered: {error}", line=line)


def _syntax_message(error: TemplateSyntaxError) -> str:
    message = str(error.message or "the template cannot be read")
    # Jinja's wording names its own internals; say it the way a person writing a template thinks of it.
    for jinja_words, our_words in (
        ("Encountered unknown tag", "Unknown tag"),
        ("unexpected end of template", "the template ends too early"),
    ):
        message = message.replace(jinja_words, our_words)
    return message[:1].upper() + message[1:].rstrip(".") + "."


def _compile(source: str, *, html: bool) -> Any:
    if not isinstance(source, str):
        raise SandboxError("A template is text.")
    if len(source) > MAX_SOURCE_LENGTH:
        raise SandboxError(f"A template can be at most {MAX_SOURCE_LENGTH:,} characters.", code="too_large")
    return _compiled(source, html)


# Compiling costs about twenty times a render: a campaign or a batch of 1:1 emails renders one template for
# every recipient. A compiled template holds no values and is safe to share between threads; a template that
# fails to compile raises, and lru_cache keeps nothing for it.
@functools.lru_cache(maxsize=256)
def _compiled(source: str, html: bool) -> Any:
    return _ENVIRONMENTS[html].from_string(source)


def check(source: str, *, html: bool = False) -> None:
    """Read `source` without rendering it: raises SandboxError for a syntax error or a refused tag."""
    token = _budget.set(_Budget(deadline=time.monotonic() + DEADLINE_SECONDS))
    try:
        _compile(source, html=html)
    except SandboxError:
        raise
    except Exception as error:  # noqa: BLE001 (every failure of user input becomes the sandbox's error)
        raise _as_sandbox_error(error) from None
    finally:
        _budget.reset(token)


def render(source: str, values: Mapping[str, Any], *, html: bool = False) -> str:
    """Render `source` with `values` (a plain dict of strings, numbers, lists and dicts) and return the text.

    With `html=True` every value is escaped as it is written (autoescape); the result is HTML. Raises
    SandboxError — and nothing else — for a template that cannot be read, names an unknown field, reaches
    for something unsafe, or goes over the render's budget (time, steps, value size, output size).
    """
    token = _budget.set(_Budget(deadline=time.monotonic() + DEADLINE_SECONDS))
    try:
        template = _compile(source, html=html)
        pieces: list[str] = []
        length = 0
        for piece in template.generate(dict(values)):
            length += len(piece)
            if length > MAX_OUTPUT_LENGTH:
                raise SandboxError(
                    f"The template's result is longer than {MAX_OUTPUT_LENGTH:,} characters.",
                    code="too_large",
                )
            pieces.append(piece)
            _tick(0)
        return "".join(pieces)
    except Exception as error:  # noqa: BLE001 (every failure of user input becomes the sandbox's error)
        raise _as_sandbox_error(error) from None
    finally:
        _budget.reset(token)
