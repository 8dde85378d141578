from calc.ops import add, clamp, divide, sub


def test_add():
    assert add(2, 3) == 5


def test_sub():
    assert sub(5, 3) == 2


def test_divide():
    assert divide(6, 3) == 2


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5
