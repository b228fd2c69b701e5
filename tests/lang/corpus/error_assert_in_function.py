# An assert that fails inside a helper, uncaught.
def normalize(values):
    total = sum(values)
    assert total > 0, f"cannot normalize values summing to {total}"
    return [v / total for v in values]

print(normalize([1, 3]))
print(normalize([0, 0]))
