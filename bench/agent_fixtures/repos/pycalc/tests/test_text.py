from calc.text import count_words, shout


def test_count_words():
    assert count_words("a b c") == 3


def test_shout():
    assert shout("hi") == "HI!"
