# expect 3:22 expected ')'
class C:
    def __init__(self