# while, break, continue, for-else, if/elif/else, conditional expressions, del, assert.
total = 0
n = 0
while True:
    n += 1
    if n % 2 == 0:
        continue
    if n > 15:
        break
    total += n
print("odd sum", total, "stopped at", n)

for candidate in range(2, 30):
    for d in range(2, candidate):
        if candidate % d == 0:
            break
    else:
        print(candidate, end=" ")
print()

def grade(score):
    if score >= 0.9:
        return "A"
    elif score >= 0.8:
        return "B"
    else:
        return "C"

print([grade(s) for s in (0.95, 0.85, 0.5)], "even" if n % 2 == 0 else "odd")
x = 5
del x
assert total == 64, "the odd numbers below 16 add to 64"
print("assert passed", total)
