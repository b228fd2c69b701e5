"""Parse a program with `ast` and check it against the language before anything runs.

Checks happen in this order, each cheap: source length (before parsing, so 10 MB never reaches
the parser), the parser's own nesting guards (mapped to "limit"), then one iterative walk over
the tree: node count, nesting depth, integer literal size, and every construct, name and
attribute against lang/allowlist.py. A program that passes never reaches anything outside it.
"""

from __future__ import annotations

import ast

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.allowlist import (
    ANOMALY_MODES,
    ATTRIBUTES,
    CONSTANTS,
    DEFAULT_ALIASES,
    FLAGGED_GRAD_MODES,
    MEMBER_NAMES,
    METHODS,
    MODULE_ROOTS,
    MODULES,
    SETTERS,
    SPELLINGS,
    Function,
)
from autograd_explorer.lang.budget import limit_error
from autograd_explorer.lang.contract import LanguageLimits, Span
from autograd_explorer.lang.hints import ATTRIBUTE_HINTS, BUILTIN_HINTS, module_hint, path_hint, with_hint
from autograd_explorer.lang.source import SourceText
from autograd_explorer.lang.values import own_yields

# Module names a program may not rebind (`import ... as name` adds the program's own).
RESERVED_NAMES = MODULE_ROOTS

# out= writes into (and resizes) another tensor; the others leave the CPU's ordinary memory.
# (device= is allowed: the evaluator lets only the cpu device through, see lang/devices.py.)
FORBIDDEN_KEYWORDS = frozenset({"out", "pin_memory", "layout", "memory_format"})

# What a `with` block, and a decorator of a `def`, may be: a grad mode and nothing else.
GRAD_MODE_BLOCKS = (
    "only `with torch.no_grad():`, `with torch.enable_grad():`, `with torch.inference_mode():`, "
    "`with torch.set_grad_enabled(flag):`, `with torch.autograd.detect_anomaly():` and "
    "`with torch.autograd.set_detect_anomaly(flag):` are allowed"
)
GRAD_MODE_DECORATORS = (
    "the only decorators are @torch.no_grad(), @torch.enable_grad() and @torch.inference_mode(), and "
    "@staticmethod, @classmethod or @property on a method"
)
ONCE_DIFFERENTIABLE = (
    "@once_differentiable goes right under @staticmethod, on an autograd Function's backward"
)
# Decorators a method (a def directly in a class body) may have first, as Python's builtins: a
# `torch.autograd.Function`'s forward and backward are static methods.
METHOD_DECORATORS = frozenset({"staticmethod", "classmethod", "property"})

# Attributes of the objects a program can hold that the table leaves out (`x.numpy`, `x.storage`,
# `grad_fn.next_functions`, `(1).real`): named as refused before the program runs. A name no
# such object has (a typo such as `net.fc2`) passes, and reading it raises Python's own
# AttributeError at run time, as CPython would.
KNOWN_API = frozenset(
    name
    for owner in (
        torch.Tensor,
        torch.nn.Module,
        torch.optim.Optimizer,
        torch.utils.data.DataLoader,
        torch.utils.data.TensorDataset,
        torch.Generator,  # its state (get_state, set_state) and its OS-seeded seed() stay out
        list,
        dict,
        str,
        tuple,
        set,
        int,
        float,
        complex,
        type,
        object,
        BaseException,
        type(lambda: None),
        type(print),
    )
    for name in dir(owner)
) | frozenset({"next_functions", "register_hook", "register_prehook", "metadata", "variable"})

# Special methods a class may define: Python (or PyTorch's DataLoader) calls them on the
# program's behalf; a program can never read a `__` attribute itself.
CLASS_DUNDERS = frozenset({"__init__", "__call__", "__len__", "__getitem__", "__repr__", "__str__"})

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
    ast.BitXor,
    ast.BitAnd,
    ast.BitOr,
)
_UNARY_OPS = (ast.USub, ast.UAdd, ast.Not, ast.Invert)
_COMPARE_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)

# What to call a forbidden construct in the error message.
_CONSTRUCT_NAMES: dict[type[ast.AST], str] = {
    ast.AsyncFunctionDef: "async def",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.NamedExpr: "the walrus operator (:=)",
    ast.Await: "await",
    ast.AsyncFor: "async for",
    ast.AsyncWith: "async with",
    ast.Match: "match",
    ast.TryStar: "except*",
}
# Children of a node that are not code (the operator of `a or b`, the context of a name).
_OPERATOR_NODES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
# Nodes that need no check of their own: their children are checked.
_PLAIN = (
    ast.Expr,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Return,
    ast.If,
    ast.IfExp,
    ast.While,
    ast.BoolOp,
    ast.Assert,
    ast.Raise,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.Slice,
    ast.Subscript,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.comprehension,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.keyword,
    ast.Starred,
)


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


def import_aliases(tree: ast.AST) -> dict[str, str]:
    """Every name a program's imports bind, with the module or function it stands for.

    Imports are checked by the parser (only torch's modules); the names they bind hold for the
    whole program (`nn` is `torch.nn` even before `import torch.nn as nn`, as the explorer has
    always allowed). Unknown targets are left for the checker to refuse.
    """
    aliases = dict(DEFAULT_ALIASES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def resolve_path(path: str, aliases: dict[str, str]) -> str | None:
    """`nn.Linear` → `torch.nn.Linear` when the path starts with a module name; else None."""
    root, _, rest = path.partition(".")
    target = aliases.get(root)
    if target is None:
        return None
    return f"{target}.{rest}" if rest else target


def table_function(node: ast.expr, aliases: dict[str, str]) -> Function | None:
    """The table's entry a name or dotted attribute stands for (`no_grad`, `torch.einsum`), else None."""
    path = dotted_path(node)
    return SPELLINGS.get(resolve_path(path, aliases) or path) if path else None


def known_path(path: str) -> bool:
    """Is a full dotted path a module, a function or a constant of the table?"""
    return path in MODULES or path in SPELLINGS or path in CONSTANTS


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
    """Names a lone expression reads that are not functions or modules, in order of first appearance.

    Names it binds itself (a comprehension's variable, a lambda's parameter) are not free.
    """
    bound, _ = _program_names(tree)
    names = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Name)
        and node.id not in SPELLINGS
        and node.id not in MODULE_ROOTS
        and node.id not in bound
    ]
    names.sort(key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in names))


def names_read(tree: ast.AST) -> set[str]:
    """Every name the program reads somewhere (a loaded ast.Name), whatever binds it."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _program_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(names the program binds anywhere, attribute names it sets or defines in a class)."""
    bound: set[str] = set()
    attributes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        attributes.add(item.name)
                    elif isinstance(item, ast.Assign | ast.AnnAssign):
                        targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                        attributes.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            attributes.add(node.attr)
    return bound, attributes


class _Checker:
    """One iterative walk (no recursion: the tree may be 10,000 deep) over the whole program."""

    def __init__(self, limits: LanguageLimits, text: SourceText) -> None:
        self.limits = limits
        self.text = text
        self.stack: list[tuple[ast.AST, int]] = []
        self.aliases: dict[str, str] = {}
        self.reserved: frozenset[str] = RESERVED_NAMES
        self.bound: set[str] = set()
        self.attributes: set[str] = set()
        self.class_bodies: set[int] = set()  # ids of FunctionDefs directly in a class body
        self.own_yields: set[int] = set()  # ids of the yields in a def's own body (values.own_yields)

    def check(self, tree: ast.Module) -> None:
        self.aliases = import_aliases(tree)
        self.reserved = RESERVED_NAMES | {name for name, path in self.aliases.items() if path in MODULES}
        self.bound, self.attributes = _program_names(tree)
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
        if isinstance(node, ast.Assign):
            kids: list[ast.AST] = [node.value]
            for target in node.targets:
                kids.extend(self.target(target))
            return kids
        if isinstance(node, ast.AnnAssign):  # the annotation is never evaluated, as in a function
            return [*self.target(node.target), *([node.value] if node.value is not None else [])]
        if isinstance(node, ast.AugAssign):
            if not isinstance(node.op, _BIN_OPS):
                raise self.forbidden(f"the operator {type(node.op).__name__}= is not allowed", node)
            return [node.value, *self.target(node.target)]
        if isinstance(node, ast.For):
            return [*self.target(node.target), node.iter, *node.body, *node.orelse]
        if isinstance(node, ast.With):
            return self.with_block(node)
        if isinstance(node, ast.Import | ast.ImportFrom):
            self.import_statement(node)
            return []
        if isinstance(node, ast.FunctionDef):
            return self.function(node)
        if isinstance(node, ast.Yield | ast.YieldFrom):
            if id(node) not in self.own_yields:
                what = "yield from" if isinstance(node, ast.YieldFrom) else "yield"
                where = "not a lambda, a comprehension or the top level"
                raise self.forbidden(f"{what} belongs in a def's own body ({where})", node)
            return [node.value] if node.value is not None else []
        if isinstance(node, ast.Lambda):  # its body is checked as a def's is
            return [*self.arguments(node.args, node), node.body]
        if isinstance(node, ast.ClassDef):
            return self.class_definition(node)
        if isinstance(node, ast.Try):
            return [*node.body, *node.handlers, *node.orelse, *node.finalbody]
        if isinstance(node, ast.ExceptHandler):
            if node.name is not None:
                self.check_binding(node.name, node)
            return [*([node.type] if node.type is not None else []), *node.body]
        if isinstance(node, ast.Delete):
            for target in node.targets:
                if not isinstance(target, ast.Name | ast.Subscript):
                    raise self.forbidden("only names and items can be deleted: `del x`, `del d[key]`", target)
                if isinstance(target, ast.Name):
                    self.check_binding(target.id, target)
            return list(node.targets)
        if isinstance(node, _PLAIN):
            return [child for child in ast.iter_child_nodes(node) if not isinstance(child, _OPERATOR_NODES)]
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

    def check_binding(self, name: str, node: ast.AST) -> None:
        if _is_dunder(name):
            raise self.forbidden(f"names starting with __ are not allowed: {name}", node)
        if name in self.reserved:
            raise self.forbidden(
                f"cannot assign to '{name}': it is a module of the explorer language; choose another", node
            )

    def target(self, node: ast.AST) -> list[ast.AST]:
        """An assignment target: a name, a tuple/list of targets (one of them may be starred,
        `first, *rest = layers`), x[i], or an attribute."""
        if isinstance(node, ast.Name):
            self.check_binding(node.id, node)
            return []
        if isinstance(node, ast.Tuple | ast.List):
            kids: list[ast.AST] = []
            starred = [element for element in node.elts if isinstance(element, ast.Starred)]
            if len(starred) > 1:  # CPython's compiler says so; its parser lets it through
                raise self.forbidden("multiple starred expressions in assignment", starred[1])
            for element in node.elts:
                kids.extend(self.target(element.value if isinstance(element, ast.Starred) else element))
            return kids
        if isinstance(node, ast.Subscript):
            return [node.value, node.slice]
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise self.forbidden(f"attributes starting with _ cannot be assigned: .{node.attr}", node)
            if node.attr in ATTRIBUTES and node.attr not in SETTERS:
                allowed = ", ".join(f"x.{name}" for name in SETTERS)
                raise self.forbidden(
                    f"cannot assign to .{node.attr}; of a tensor only {allowed} can be assigned", node
                )
            return [node.value]
        if isinstance(node, ast.Starred):  # alone, or nested in another starred target
            raise self.forbidden("a starred assignment target must be in a list or tuple", node)
        raise self.forbidden("this cannot be assigned to", node)

    def grad_mode(self, expr: ast.expr, decorator: bool = False) -> list[ast.AST]:
        """`torch.no_grad()` (or enable_grad, inference_mode) as a `with` item or a decorator; a
        decorator may also name it without the call (`@torch.no_grad`), as PyTorch allows.
        `with torch.set_grad_enabled(flag):` takes its flag (returned: an expression to check); not
        as a decorator, where PyTorch switches the mode when the function is defined. Anomaly
        detection's switches are `with` items alone, their arguments (check_nan= too) PyTorch's to
        check, as CPython leaves them to it."""
        flag: list[ast.AST] = []
        fn = None
        if isinstance(expr, ast.Call):
            fn = table_function(expr.func, self.aliases)
            anomaly = fn is not None and fn.name in ANOMALY_MODES and not decorator
            if anomaly and all(k.arg == "check_nan" for k in expr.keywords):
                return [*expr.args, *(k.value for k in expr.keywords)]
            flag = list(expr.args)
            if expr.keywords:
                fn = None
        elif decorator:
            fn = table_function(expr, self.aliases)
        takes_flag = fn is not None and fn.name in FLAGGED_GRAD_MODES and not decorator
        if (
            fn is None
            or fn.special != "context"
            or fn.name in ANOMALY_MODES
            or len(flag) != (1 if takes_flag else 0)
        ):
            raise self.forbidden(GRAD_MODE_DECORATORS if decorator else GRAD_MODE_BLOCKS, expr)
        return flag

    def with_block(self, node: ast.With) -> list[ast.AST]:
        flags: list[ast.AST] = []
        for item in node.items:
            flags.extend(self.grad_mode(item.context_expr))
            if item.optional_vars is not None:
                raise self.forbidden("`with ... as name` is not allowed", item.optional_vars)
        return [*flags, *node.body]

    def import_statement(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.ImportFrom):
            if node.level or node.module is None or any(a.name == "*" for a in node.names):
                raise self.forbidden("only `from torch... import name` can be imported here", node)
            paths = [(f"{node.module}.{a.name}", a.asname or a.name) for a in node.names]
            base_ok = node.module in MODULES
        else:
            paths = [(a.name, a.asname or a.name.split(".")[0]) for a in node.names]
            base_ok = all(a.name in MODULES for a in node.names)
        for path, name in paths:
            if not base_ok or not known_path(path):
                if path.split(".")[0] not in MODULES:  # torch, and math's float functions
                    module = node.module if isinstance(node, ast.ImportFrom) else path
                    message = f"only torch can be imported here, not {module}"
                    raise self.forbidden(with_hint(message, module_hint(module or path)), node)
                message = f"{path} cannot be imported: it is not part of the explorer language"
                raise self.forbidden(with_hint(message, path_hint(path)), node)
            if _is_dunder(name):
                raise self.forbidden(f"names starting with __ are not allowed: {name}", node)

    def arguments(self, args: ast.arguments, node: ast.AST) -> list[ast.AST]:
        """Parameter names and defaults (annotations are ignored, as Python ignores them at run time)."""
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in every:
            self.check_binding(arg.arg, node)
        return [*args.defaults, *(d for d in args.kw_defaults if d is not None)]

    def function(self, node: ast.FunctionDef) -> list[ast.AST]:
        decorators = node.decorator_list
        if decorators and self.method_decorator(decorators[0]) is not None:
            if id(node) not in self.class_bodies:
                name = self.method_decorator(decorators[0])
                raise self.forbidden(
                    f"@{name} decorates a method: a def directly in a class body", decorators[0]
                )
            under = decorators[1:2]  # PyTorch's wrapper of a backward may come right under it
            staticmethod_first = self.method_decorator(decorators[0]) == "staticmethod"
            if staticmethod_first and under and self.once_differentiable(under[0]):
                decorators = decorators[1:]
            decorators = decorators[1:]
        for decorator in decorators:
            if self.once_differentiable(decorator):
                raise self.forbidden(ONCE_DIFFERENTIABLE, decorator)
            self.grad_mode(decorator, decorator=True)
        if _is_dunder(node.name) and not (id(node) in self.class_bodies and node.name in CLASS_DUNDERS):
            allowed = ", ".join(sorted(CLASS_DUNDERS))
            raise self.forbidden(
                f"names starting with __ are not allowed: {node.name} (a class may define {allowed})", node
            )
        if not _is_dunder(node.name):
            self.check_binding(node.name, node)
        self.own_yields.update(map(id, own_yields(node)))  # a generator (Calls.invoke)
        return [*self.arguments(node.args, node), *node.body]

    def once_differentiable(self, node: ast.expr) -> bool:
        """Whether a decorator names torch.autograd.function.once_differentiable (not called)."""
        fn = table_function(node, self.aliases)
        return fn is not None and fn.special == "decorator"

    def method_decorator(self, node: ast.expr) -> str | None:
        """`staticmethod`, `classmethod` or `property` (Python's, not a name the program binds), else None."""
        if isinstance(node, ast.Name) and node.id in METHOD_DECORATORS and node.id not in self.bound:
            return node.id
        return None

    def class_definition(self, node: ast.ClassDef) -> list[ast.AST]:
        decorators = node.decorator_list
        if decorators:
            fn = table_function(decorators[0], self.aliases)
            if len(decorators) > 1 or fn is None or fn.special != "dataclass":
                at = decorators[0] if fn is None or fn.special != "dataclass" else decorators[1]
                raise self.forbidden("the only decorator of a class is @dataclass", at)
        if node.keywords:
            raise self.forbidden("class keywords (metaclass=...) are not part of the explorer language", node)
        self.check_binding(node.name, node)
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                self.class_bodies.add(id(item))
            elif not isinstance(item, ast.Assign | ast.AnnAssign | ast.Pass | ast.Expr):
                raise self.forbidden(
                    "a class body may hold methods (def), attributes (name = value) and a docstring", item
                )
        return [*node.bases, *node.body]

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
        if isinstance(node, ast.Compare):
            if not all(isinstance(op, _COMPARE_OPS) for op in node.ops):
                raise self.forbidden("this comparison is not allowed", node)
            return [node.left, *node.comparators]
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        raise self.construct(node)

    def constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool | str | float) or value is None or value is Ellipsis:
            return
        if isinstance(value, int):
            if value.bit_length() > self.limits.max_int_bits:
                raise limit_error(
                    f"integer too large: a {value.bit_length()}-bit literal, the limit is "
                    f"{self.limits.max_int_bits} (max_int_bits)",
                    self.text.span(node),
                )
            return
        raise self.forbidden(f"{type(value).__name__} literals are not part of the explorer language", node)

    def name(self, node: ast.Name) -> None:
        if node.id == "__name__" and isinstance(node.ctx, ast.Load):
            return  # `if __name__ == "__main__":` reads "__main__"
        if _is_dunder(node.id):
            raise self.forbidden(f"names starting with __ are not allowed: {node.id}", node)
        if node.id in self.reserved and node.id not in self.bound and isinstance(node.ctx, ast.Load):
            raise self.forbidden(f"{node.id} is a module: use one of its functions, e.g. torch.sin(x)", node)

    def call(self, node: ast.Call) -> list[ast.AST]:
        kids: list[ast.AST] = list(node.args)
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
            if _is_dunder(name):
                raise self.forbidden(f"names starting with __ are not allowed: {name}", func)
            known = name in SPELLINGS or name in self.bound or name in self.aliases
            if not known:
                message = f"{name}(...) is not a function of the explorer language"
                raise self.forbidden(with_hint(message, BUILTIN_HINTS.get(name) or module_hint(name)), func)
            first = node.args[0] if node.args else None
            if (
                name == "hasattr"
                and name not in self.bound
                and isinstance(first, ast.Name)
                and first.id in self.reserved
            ):
                kids = kids[1:]  # `hasattr(F, "scaled_dot_product_attention")`: a module asked, not used
        elif isinstance(func, ast.Attribute) and func.attr == "__init__" and self.is_super(func.value):
            kids.append(func.value)  # super().__init__(...)
        elif self.module_path(func) is not None:
            raise self.forbidden(f"{self.module_path(func)} is a module, not a function", func)
        else:
            kids.append(func)
        for keyword in node.keywords:
            if keyword.arg is not None and (_is_dunder(keyword.arg) or keyword.arg in FORBIDDEN_KEYWORDS):
                raise self.forbidden(f"the keyword argument {keyword.arg}= is not allowed", keyword.value)
            kids.append(keyword.value)
        return kids

    def module_path(self, node: ast.AST) -> str | None:
        """The module a dotted path names (`torch.utils`), if it names one."""
        path = dotted_path(node)
        if path is None or path.split(".")[0] in self.bound:
            return None
        full = resolve_path(path, self.aliases)
        return path if full in MODULES else None

    @staticmethod
    def is_super(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"

    def attribute(self, node: ast.Attribute) -> list[ast.AST]:
        path = dotted_path(node)
        full = resolve_path(path, self.aliases) if path is not None else None
        if full is not None and path is not None and path.split(".")[0] not in self.bound:
            if known_path(full):
                return []
            message = f"{path} is not part of the explorer language"
            # `plt.plot` after `import matplotlib.pyplot as plt`: the hint of the import
            raise self.forbidden(with_hint(message, path_hint(full)), node)
        if node.attr == "__name__":  # `type(layer).__name__`: read only (targets refuse any `_` name)
            return [node.value]
        if _is_dunder(node.attr):
            raise self.forbidden(f"attributes starting with __ are not allowed: .{node.attr}", node)
        if node.attr.startswith("_") and node.attr not in self.attributes:
            raise self.forbidden(f"attributes starting with _ are not allowed: .{node.attr}", node)
        if (
            node.attr in ATTRIBUTES
            or node.attr in METHODS
            or node.attr in MEMBER_NAMES
            or node.attr in self.attributes
            or node.attr not in KNOWN_API
        ):
            return [node.value]
        message = f"the attribute .{node.attr} is not part of the explorer language"
        raise self.forbidden(with_hint(message, ATTRIBUTE_HINTS.get(node.attr)), node)
