# expect 2:1 'while' is outside the subset
while True:
    pass
