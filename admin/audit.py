"""placeholder"""


def register(panel):
    pass
