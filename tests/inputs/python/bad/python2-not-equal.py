# expect 3:6 unexpected character '<'
x = 1
if x <> 2:
    pass
