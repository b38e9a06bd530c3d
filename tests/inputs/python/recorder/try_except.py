class Box:
    def __init__(self, v):
        self.v = v
b = Box([])
try:
    b.w.x = 1
except AttributeError:
    b.w = {}
c = b.w
