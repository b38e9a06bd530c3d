# expect 2:1 'async' is outside the subset
async def f():
    pass
