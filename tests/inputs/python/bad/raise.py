# expect 2:1 'raise' is outside the subset
raise ValueError
