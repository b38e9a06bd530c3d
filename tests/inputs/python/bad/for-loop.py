# expect 3:1 'for' is outside the subset
xs = []
for x in xs:
    pass
