"""Parse a program with `ast` and check it against the language before anything runs.

Checks happen in this order, each cheap: source length (before parsing, so 10 MB never reaches
the parser), the parser's own nesting guards (mapped to "limit"), then one iterative walk over
the tree: node count, nesting depth, integer literal size, and every construct, name and
attribute against lang/allowlist.py. A program that passes never reaches anything outside it.
"""

from __future__ import annotations

import ast

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.allowlist import ATTRIBUTES, CONSTANTS, METHODS, MODULE_ROOTS, SETTERS, SPELLINGS
from autograd_explorer.lang.budget import limit_error
from autograd_explorer.lang.contract import LanguageLimits, Span
from autograd_explorer.lang.source import SourceText

# Names a program may not bind: modules and the bare spellings of functions.
RESERVED_NAMES = MODULE_ROOTS | {spelling for spelling in SPELLINGS if "." not in spelling}

# out= writes into (and resizes) another tensor; the others leave the CPU's ordinary memory.
FORBIDDEN_KEYWORDS = frozenset({"out", "device", "pin_memory", "layout", "memory_format"})

_BIN_OPS = (
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.MatMult,
    ast.LShift,
    ast.RShift,
)
_UNARY_OPS = (ast.USub, ast.UAdd, ast.Not, ast.Invert)
_COMPARE_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)

# What to call a forbidden construct in the error message.
_CONSTRUCT_NAMES: dict[type[ast.AST], str] = {
    ast.FunctionDef: "def (function definitions)",
    ast.AsyncFunctionDef: "async def",
    ast.Lambda: "lambda",
    ast.ClassDef: "class",
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.While: "while loops (use `for _ in range(n):`)",
    ast.Try: "try",
    ast.Raise: "raise",
    ast.Assert: "assert",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.Return: "return",
    ast.Delete: "del",
    ast.If: "if statements",
    ast.IfExp: "conditional expressions (a if c else b)",
    ast.Break: "break",
    ast.Continue: "continue",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.Starred: "starred expressions (*x)",
    ast.NamedExpr: "the walrus operator (:=)",
    ast.Dict: "dictionaries",
    ast.Set: "sets",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Await: "await",
    ast.AnnAssign: "annotated assignments",
    ast.AsyncFor: "async for",
    ast.AsyncWith: "async with",
    ast.Match: "match",
}


def dotted_path(node: ast.AST) -> str | None:
    """`torch.nn.functional.mse_loss` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_dunder(name: str) -> bool:
    return name.startswith("__")


def parse_program(source: str, limits: LanguageLimits) -> ast.Module:
    """Parse and check `source`; raise ProgramError ("syntax", "limit", "forbidden") if it is not allowed."""
    if len(source) > limits.max_source_chars:
        raise limit_error(
            f"program too long: {len(source)} characters, the limit is {limits.max_source_chars} "
            f"(max_source_chars)"
        )
    nesting = limit_error(
        f"the program is nested too deeply for the parser; the limit is {limits.max_nesting_depth} "
        f"levels (max_nesting_depth)"
    )
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        text = str(exc.msg)
        if "too many nested" in text or "too complex" in text:
            raise nesting from None
        if "integer string conversion" in text:  # Python's own cap on decimal literals
            raise limit_error(
                f"integer too large: a literal with thousands of digits, the limit is "
                f"{limits.max_int_bits} bits (max_int_bits)",
                Span(exc.lineno or 1, 0, exc.lineno or 1, 0),
            ) from None
        line = exc.lineno or 1
        end_line = exc.end_lineno or line
        column = max((exc.offset or 1) - 1, 0)  # SyntaxError counts characters from 1
        end_column = max((exc.end_offset or 0) - 1, column)
        raise ProgramError("syntax", text, line, column, end_line, end_column) from None
    except (RecursionError, MemoryError):
        raise nesting from None
    except ValueError as exc:  # e.g. a NUL byte in the source
        raise ProgramError("syntax", str(exc), 1, 0, 1, 0) from None
    _Checker(limits, SourceText(source)).check(tree)
    return tree


def free_names(tree: ast.AST) -> list[str]:
    """Names a lone expression reads that are not functions or modules, in order of first appearance."""
    names = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id not in SPELLINGS and node.id not in MODULE_ROOTS
    ]
    names.sort(key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in names))


class _Checker:
    """One iterative walk (no recursion: the tree may be 10,000 deep) over the whole program."""

    def __init__(self, limits: LanguageLimits, text: SourceText) -> None:
        self.limits = limits
        self.text = text
        self.allowed_strings: set[int] = set()
        self.stack: list[tuple[ast.AST, int]] = []

    def check(self, tree: ast.Module) -> None:
        self.stack = [(tree, 0)]
        count = 0
        while self.stack:
            node, depth = self.stack.pop()
            count += 1
            if count > self.limits.max_ast_nodes:
                raise limit_error(
                    f"program too large: more than {self.limits.max_ast_nodes} syntax nodes (max_ast_nodes)"
                )
            if depth > self.limits.max_nesting_depth:
                span = self.text.span(node)
                raise limit_error(
                    f"nested too deeply: more than {self.limits.max_nesting_depth} levels "
                    f"(max_nesting_depth)",
                    span,
                )
            for child in self.children(node):
                self.stack.append((child, depth + 1))

    def children(self, node: ast.AST) -> list[ast.AST]:
        """Check one node; return the children still to check."""
        if isinstance(node, ast.Module):
            return list(node.body)
        if isinstance(node, ast.Expr):
            return [node.value]
        if isinstance(node, ast.Pass):
            return []
        if isinstance(node, ast.Assign):
            kids: list[ast.AST] = [node.value]
            for target in node.targets:
                kids.extend(self.target(target))
            return kids
        if isinstance(node, ast.AugAssign):
            if not isinstance(node.op, _BIN_OPS):
                raise self.forbidden(f"the operator {type(node.op).__name__}= is not allowed", node)
            return [node.value, *self.target(node.target)]
        if isinstance(node, ast.For):
            return self.for_loop(node)
        if isinstance(node, ast.With):
            return self.with_block(node)
        if isinstance(node, ast.stmt):
            raise self.construct(node)
        return self.expression(node)

    def forbidden(self, message: str, node: ast.AST) -> ProgramError:
        """A "forbidden" error at the node."""
        span = self.text.span(node)
        return ProgramError("forbidden", message, span.line, span.column, span.end_line, span.end_column)

    def construct(self, node: ast.AST) -> ProgramError:
        name = _CONSTRUCT_NAMES.get(type(node), type(node).__name__)
        return self.forbidden(f"{name} is not part of the explorer language", node)

    def target(self, node: ast.AST) -> list[ast.AST]:
        """An assignment target: a name, a tuple/list of targets, x[i], or x.grad/.data/.requires_grad."""
        if isinstance(node, ast.Name):
            if _is_dunder(node.id):
                raise self.forbidden(f"names starting with __ are not allowed: {node.id}", node)
            if node.id in RESERVED_NAMES:
                raise self.forbidden(
                    f"cannot assign to '{node.id}': it is a name of the explorer language; choose another",
                    node,
                )
            return []
        if isinstance(node, ast.Tuple | ast.List):
            kids: list[ast.AST] = []
            for element in node.elts:
                kids.extend(self.target(element))
            return kids
        if isinstance(node, ast.Subscript):
            return [node.value, node.slice]
        if isinstance(node, ast.Attribute):
            if node.attr not in SETTERS:
                allowed = ", ".join(f"x.{name}" for name in SETTERS)
                raise self.forbidden(f"cannot assign to .{node.attr}; only {allowed} can be assigned", node)
            return [node.value]
        if isinstance(node, ast.Starred):
            raise self.construct(node)
        raise self.forbidden("this cannot be assigned to", node)

    def for_loop(self, node: ast.For) -> list[ast.AST]:
        if node.orelse:
            raise self.forbidden("for ... else is not part of the explorer language", node.orelse[0])
        if not isinstance(node.target, ast.Name):
            raise self.forbidden("a for loop needs one variable: `for i in range(n):`", node.target)
        call = node.iter
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "range"
            and not call.keywords
            and 1 <= len(call.args) <= 3
        ):
            raise self.forbidden("a for loop must run over range(...): `for i in range(n):`", node.iter)
        return [*self.target(node.target), *call.args, *node.body]

    def with_block(self, node: ast.With) -> list[ast.AST]:
        for item in node.items:
            expr = item.context_expr
            path = dotted_path(expr.func) if isinstance(expr, ast.Call) else None
            fn = SPELLINGS.get(path) if path else None
            if (
                fn is None
                or fn.special != "context"
                or not isinstance(expr, ast.Call)
                or expr.args
                or expr.keywords
            ):
                raise self.forbidden(
                    "only `with torch.no_grad():` and `with torch.enable_grad():` are allowed", expr
                )
            if item.optional_vars is not None:
                raise self.forbidden("`with ... as name` is not allowed", item.optional_vars)
        return list(node.body)

    def expression(self, node: ast.AST) -> list[ast.AST]:
        if isinstance(node, ast.Constant):
            self.constant(node)
            return []
        if isinstance(node, ast.Name):
            self.name(node)
            return []
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BIN_OPS):
                raise self.forbidden(f"the operator {type(node.op).__name__} is not allowed", node)
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, _UNARY_OPS):
                raise self.forbidden(f"the operator {type(node.op).__name__} is not allowed", node)
            return [node.operand]
        if isinstance(node, ast.BoolOp):
            return list(node.values)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Subscript):
            return [node.value, node.slice]
        if isinstance(node, ast.Slice):
            return [part for part in (node.lower, node.upper, node.step) if part is not None]
        if isinstance(node, ast.Tuple | ast.List):
            return list(node.elts)
        raise self.construct(node)

    def constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str):
            if id(node) not in self.allowed_strings:
                raise self.forbidden(
                    "text is only allowed as a keyword value (reduction='sum') or in print(...)", node
                )
        elif isinstance(value, bool) or value is None or value is Ellipsis or isinstance(value, float):
            return
        elif isinstance(value, int):
            if value.bit_length() > self.limits.max_int_bits:
                raise limit_error(
                    f"integer too large: a {value.bit_length()}-bit literal, the limit is "
                    f"{self.limits.max_int_bits} (max_int_bits)",
                    self.text.span(node),
                )
        else:
            raise self.forbidden(
                f"{type(value).__name__} literals are not part of the explorer language", node
            )

    def name(self, node: ast.Name) -> None:
        if _is_dunder(node.id):
            raise self.forbidden(f"names starting with __ are not allowed: {node.id}", node)
        if node.id in MODULE_ROOTS:
            raise self.forbidden(f"{node.id} is a module: use one of its functions, e.g. torch.sin(x)", node)
        if node.id in SPELLINGS:
            raise self.forbidden(f"{node.id} is a function: call it, e.g. {node.id}(...)", node)

    def compare(self, node: ast.Compare) -> list[ast.AST]:
        operands: list[ast.AST] = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            if isinstance(op, ast.Is | ast.IsNot):
                pair = operands[i : i + 2]
                if not any(isinstance(p, ast.Constant) and p.value is None for p in pair):
                    raise self.forbidden("`is` is only allowed as `is None` / `is not None`", node)
            elif not isinstance(op, _COMPARE_OPS):
                raise self.forbidden(f"the comparison {type(op).__name__} is not allowed", node)
        return operands

    def call(self, node: ast.Call) -> list[ast.AST]:
        kids: list[ast.AST] = list(node.args)
        path = dotted_path(node.func)
        fn = SPELLINGS.get(path) if path else None
        if fn is not None:
            if fn.special == "range":
                raise self.forbidden("range(...) is only allowed as `for i in range(n):`", node)
            if fn.special == "context":
                raise self.forbidden(f"{path}() is only allowed as `with {path}():`", node)
            if fn.special == "print":
                self.allowed_strings.update(id(a) for a in node.args if isinstance(a, ast.Constant))
        elif path is not None and path.split(".")[0] in MODULE_ROOTS:
            raise self.forbidden(f"{path} is not part of the explorer language", node.func)
        elif isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if _is_dunder(method):
                raise self.forbidden(f"attributes starting with __ are not allowed: .{method}", node.func)
            if method not in METHODS:
                raise self.forbidden(
                    f"the method .{method}() is not part of the explorer language", node.func
                )
            kids.append(node.func.value)
        elif isinstance(node.func, ast.Name):
            if _is_dunder(node.func.id):
                raise self.forbidden(f"names starting with __ are not allowed: {node.func.id}", node.func)
            raise self.forbidden(f"{node.func.id}(...) is not a function of the explorer language", node.func)
        else:
            raise self.forbidden("only named functions and tensor methods can be called", node.func)
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.forbidden(
                    "**keyword arguments are not part of the explorer language", keyword.value
                )
            if _is_dunder(keyword.arg) or keyword.arg in FORBIDDEN_KEYWORDS:
                raise self.forbidden(f"the keyword argument {keyword.arg}= is not allowed", keyword.value)
            if isinstance(keyword.value, ast.Constant):
                self.allowed_strings.add(id(keyword.value))
            kids.append(keyword.value)
        return kids

    def attribute(self, node: ast.Attribute) -> list[ast.AST]:
        path = dotted_path(node)
        if path is not None and path.split(".")[0] in MODULE_ROOTS:
            if path in CONSTANTS:
                return []
            if path in SPELLINGS:
                raise self.forbidden(f"{path} is a function: call it, e.g. {path}(...)", node)
            raise self.forbidden(f"{path} is not part of the explorer language", node)
        if _is_dunder(node.attr):
            raise self.forbidden(f"attributes starting with __ are not allowed: .{node.attr}", node)
        if node.attr in ATTRIBUTES:
            return [node.value]
        if node.attr in METHODS:
            raise self.forbidden(f".{node.attr} is a method: call it, e.g. x.{node.attr}()", node)
        raise self.forbidden(f"the attribute .{node.attr} is not part of the explorer language", node)
