d = {'k': None, 3: 'x'}
e = {'d': d}
d['self'] = d
e['k'] = e['d']
