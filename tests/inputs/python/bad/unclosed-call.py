# expect 4:7 expected ')'
class C:
    pass
x = C(
