# expect 3:1 'def_x' is not a list whose length is known here
def_x = 1
def_x.append(2)
