"""The tree-walking evaluator: runs a checked program (see parse.py) statement by statement.

It is put together from one module per concern, each readable on its own:
- core.py: the run's state, names and scopes, the one place library code is called (`apply`);
- statements.py: assignment, loops, if, with, try/except, raise, def and class;
- expressions.py: operators, attributes, indexing, comprehensions, f-strings;
- calls.py: calls of every kind, the program's functions being run, backward requests;
- user_code.py: what `def` and `class` make; values.py: wrappers and scopes;
- compiled.py: the hot forms (names, operators, calls, `name = value`) compiled once per node
  into closures that take the walk's steps in its order; loops and blocks run those;
- formatting.py: print and format with their sizes bounded.
Every operation is counted, timed and size-checked by the Budget first (lang/budget.py).
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.anomaly import anomaly_mode_off
from autograd_explorer.lang.calls import Calls
from autograd_explorer.lang.compiled import Compiler
from autograd_explorer.lang.core import exception_message
from autograd_explorer.lang.expressions import Expressions
from autograd_explorer.lang.formatting import count_leaves
from autograd_explorer.lang.library_warnings import NON_LEAF_GRAD
from autograd_explorer.lang.statements import Statements

__all__ = ["Evaluator", "as_program_errors", "count_leaves", "exception_message"]

# Reading .grad of a non-leaf makes PyTorch warn on stderr; the evaluator says it in the run's
# warnings instead, in the lecture's words.
warnings.filterwarnings("ignore", message=NON_LEAF_GRAD)


class Evaluator(Statements, Expressions, Calls, Compiler):
    """Runs statements and expressions of one checked program against one namespace."""

    def run_module(self, tree: ast.Module) -> object:
        """Run the program; an exception it did not catch becomes a ProgramError at its line. The
        program's anomaly mode is its own: off when it starts, off again however it ends."""
        try:
            with anomaly_mode_off():
                return super().run_module(tree)
        except ProgramError:
            raise
        except (MemoryError, RecursionError) as exc:
            raise self.limit_for(exc, self.statement) from None
        except Exception as exc:
            self.raised = exc
            raise self.uncaught(exc) from None


@contextmanager
def as_program_errors() -> Iterator[None]:
    """Let nothing but a ProgramError out: a bug of ours must still answer as a program error."""
    try:
        yield
    except ProgramError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise ProgramError(
            "limit", f"the program needs too much memory or nesting ({type(exc).__name__})"
        ) from None
    except Exception as exc:
        raise ProgramError("runtime", exception_message(exc)) from None
