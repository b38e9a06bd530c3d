class Box:
    def __init__(self, v):
        self.v = v
b = Box([])
n = int("not a number")
c = b
