# expect 3:5 expected an indented block after 'def __init__(...):'
class C:
    def __init__(self, a):
