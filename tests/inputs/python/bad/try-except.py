# expect 2:1 'try' is outside the subset
try:
    x = {}
except:
    pass
