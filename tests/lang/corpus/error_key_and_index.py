# A KeyError from a dictionary of histories.
history = {"train": [0.9, 0.5], "test": [0.95]}
for split in ["train", "test"]:
    print(split, history[split][-1])
print(history["validation"])
