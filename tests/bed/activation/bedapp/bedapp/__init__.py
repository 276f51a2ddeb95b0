"""The user's own package in the activation tests: built into a wheel, locked
with numpy and pandas, and imported on the driver and in every executor's
UDFs from the environment."""
__version__ = "0.3.0"


def summarize(n):
    """sum of squares of 0..n-1, computed with numpy and pandas."""
    import numpy
    import pandas
    frame = pandas.DataFrame({"x": numpy.arange(int(n) + 1)[: int(n)]})
    return int((frame.x ** 2).sum())
