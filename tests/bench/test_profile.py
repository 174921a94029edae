"""The profile's top entries, from py-spy's collapsed stacks."""

from __future__ import annotations

from bench.profile import top_entries


def test_a_function_counts_once_a_stack_and_lines_of_one_function_are_one_entry() -> None:
    collapsed = [
        "main (app.py:1);handle (app.py:10);handle (app.py:12);read (db.py:5) 3",
        "main (app.py:1);handle (app.py:11) 1",
    ]

    top = top_entries(collapsed).splitlines()

    assert top[0] == "4 samples at 250 Hz"
    inclusive = top[top.index("inclusive:") + 1 : top.index("self:") - 1]
    assert inclusive == [
        "100.0%  main (app.py)",
        "100.0%  handle (app.py)",
        " 75.0%  read (db.py)",
    ]
    assert top[top.index("self:") + 1 :] == [" 75.0%  read (db.py)", " 25.0%  handle (app.py)"]
