inner = [1, 2]
mid = {'l': inner, 'n': None}
wrap = {'m': mid}
outer = [mid, wrap]
mid['back'] = outer
inner.append(mid)
wrap = None
