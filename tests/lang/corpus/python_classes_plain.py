# Plain classes: class attributes, __init__ defaults, methods, __repr__, inheritance with super().
class Running:
    """A running average, as training loops keep one."""
    created = 0

    def __init__(self, name="loss"):
        self.name = name
        self.total = 0.0
        self.count = 0
        Running.created += 1

    def add(self, value, weight=1):
        self.total += value * weight
        self.count += weight
        return self

    def mean(self):
        return self.total / self.count if self.count else float("nan")

    def __repr__(self):
        return f"Running({self.name!r}, mean={self.mean():.3f})"

class Smoothed(Running):
    def __init__(self, name, beta=0.9):
        super().__init__(name)
        self.beta = beta
        self.value = None

    def add(self, value, weight=1):
        super().add(value, weight)
        self.value = value if self.value is None else self.beta * self.value + (1 - self.beta) * value
        return self

r = Running()
for v in [1.0, 2.0, 4.0]:
    r.add(v)
s = Smoothed("acc", beta=0.5).add(1.0).add(0.0).add(1.0)
print(r, s, s.value, Running.created, isinstance(s, Running))
print([str(x) for x in (r, s)], r.mean() < s.mean())
