# expect 4:2 a list index that is not an integer is outside the subset
# Python raises TypeError (list indices must be integers); the model would store a field.
w = [None, 1]
w["m"] = w
