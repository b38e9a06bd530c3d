# expect 5:5 C() takes 1 argument(s)
class C:
    def __init__(self, a):
        self.a = a
x = C(1, 2)
