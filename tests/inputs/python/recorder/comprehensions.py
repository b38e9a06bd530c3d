rows = [[i] for i in range(3)]
table = {str(i): rows[i] for i in range(3)}
flat = [x for r in rows for x in r]
first = rows[0]
first.append(table)
