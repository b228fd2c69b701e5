# Python as lectures write it: defaults, keyword arguments, *args/**kwargs, closures, recursion, lambda.
def make_counter(start=0):
    count = [start]
    def increment(step=1):
        count[0] += step
        return count[0]
    return increment

counter = make_counter(10)
print(counter(), counter(), counter(step=5))

def factorial(n: int) -> int:
    """n! by recursion."""
    return 1 if n <= 1 else n * factorial(n - 1)

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def describe(*args, sep=", ", **options):
    parts = [str(a) for a in args] + [f"{k}={v}" for k, v in sorted(options.items())]
    return sep.join(parts)

square = lambda v: v * v
print(factorial(10), [fib(i) for i in range(12)])
print(describe(1, 2, 3, b=2, a=1), describe("x", sep=" | "))
print(sorted([(3, "c"), (1, "a"), (2, "b")], key=lambda pair: -pair[0]))
print(list(map(square, range(5))), list(filter(lambda v: v % 2, range(7))))
adders = [lambda v, k=k: v + k for k in range(3)]
print([add(10) for add in adders])
