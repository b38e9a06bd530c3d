# expect 4:7 expected a variable, None, a literal, [] or {}
class C:
    pass
x = C(
