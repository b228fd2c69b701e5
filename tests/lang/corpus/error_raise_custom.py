# A program's own exception class, raised two calls deep and not caught.
class DivergedError(RuntimeError):
    pass

def update(w, lr):
    w = w - lr * 2 * w
    if abs(w) > 1e6:
        raise DivergedError(f"w = {w:.3g} after a step of lr = {lr}")
    return w

def train(lr, steps):
    w = 1.0
    for _ in range(steps):
        w = update(w, lr)
    return w

print(train(0.1, 10))
print(train(2.0, 50))
