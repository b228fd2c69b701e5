# try/except/else/finally, raise, custom exceptions, str(e), e.args, assert caught.
import torch

class ShapeMismatch(ValueError):
    """Raised when two tensors do not line up."""

def check(a, b):
    if a.shape != b.shape:
        raise ShapeMismatch(f"shapes {list(a.shape)} and {list(b.shape)} differ")
    return True

for pair in [(torch.ones(2), torch.ones(2)), (torch.ones(2), torch.ones(3))]:
    try:
        result = check(*pair)
    except ShapeMismatch as e:
        print("caught:", str(e), "| a ValueError:", isinstance(e, ValueError))
    else:
        print("ok:", result)
    finally:
        print("checked")

try:
    {"a": 1}["b"]
except KeyError as e:
    print("KeyError", e, e.args)
try:
    1 / 0
except (TypeError, ZeroDivisionError) as e:
    print("ZeroDivisionError:", e)
try:
    assert 1 > 2, "one is not larger"
except AssertionError as e:
    print("assertion:", e)
try:
    torch.ones(2, 3) @ torch.ones(2, 3)
except RuntimeError as e:
    print("torch:", e)
try:
    undefined_name + 1
except NameError as e:
    print("NameError:", e)
try:
    try:
        raise RuntimeError("inner")
    except RuntimeError:
        print("re-raising")
        raise
except Exception as e:
    print("outer caught", repr(str(e)))
def first_item(items):
    try:
        return items[0]
    except IndexError:
        return None
    finally:
        print("finally runs before return")
print(first_item([]), first_item([7]))
