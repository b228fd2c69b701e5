# An uncaught TypeError from a call with too many arguments: Python's own message.
def step(w, lr=0.1):
    return w - lr

print(step(1.0))
print(step(1.0, 0.5, 0.1))
