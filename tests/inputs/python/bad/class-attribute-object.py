# expect 3:13 a class attribute other than None or a literal is outside the subset
class C:
    items = []
