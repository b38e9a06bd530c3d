# expect 2:1 'global' is outside the subset
global x
