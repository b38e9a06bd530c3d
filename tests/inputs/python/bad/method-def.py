# expect 3:9 only __init__ may be defined in a class
class C:
    def m(self):
        pass
