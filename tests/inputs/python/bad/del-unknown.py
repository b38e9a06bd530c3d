# expect 2:6 only 'del x' of a variable is in the subset
del x[
