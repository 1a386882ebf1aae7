"""qgraph.forked: a call in a forked child, its value read back, any failure as ``None``."""

import os

import pytest

from qgraph.forked import Forked, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="no fork on this platform")


def test_the_childs_value_is_read_back():
    assert Forked(lambda: {"pid": os.getpid(), "rows": [1, 2]}).result()["rows"] == [1, 2]
    assert Forked(lambda: os.getpid()).result() != os.getpid()  # computed in another process


def test_a_child_that_raises_gives_none():
    def fails():
        raise ValueError("in the child")

    assert Forked(fails).result() is None


def test_a_child_that_dies_gives_none():
    assert Forked(lambda: os._exit(3)).result() is None


def test_close_stops_a_running_child_and_may_be_called_again():
    import time

    child = Forked(lambda: time.sleep(600))
    child.close()
    assert not child._child.is_alive()
    child.close()
    done = Forked(lambda: 1)
    assert done.result() == 1
    done.close()  # after result: nothing left to do


def test_a_second_value_is_read_later_while_the_child_goes_on():
    import time

    child = Forked(lambda: os.getpid(), then=lambda: (time.sleep(0.2), "then")[1])
    pid = child.result()
    assert pid != os.getpid() and child._child.is_alive()  # still working on the second value
    assert child.later() == "then"
    assert not child._child.is_alive()
    assert child.later() is None  # read once


def test_a_failing_second_call_gives_none_and_the_first_value_stands():
    def fails():
        raise ValueError("in the child")

    child = Forked(lambda: 1, then=fails)
    assert child.result() == 1
    assert child.later() is None
    first_fails = Forked(fails, then=lambda: 2)
    assert first_fails.result() is None
    assert first_fails.later() is None  # not run once the first call failed


def test_close_before_the_second_value_stops_the_child():
    import time

    child = Forked(lambda: 1, then=lambda: time.sleep(600))
    assert child.result() == 1
    child.close()
    assert not child._child.is_alive()
    assert child.later() is None


def test_the_next_call_runs_while_a_large_value_waits_to_be_read(tmp_path):
    """A value larger than the pipe holds waits there until the parent reads it; the child's
    next call no longer waits with it (the build reads the term checks' value only once its
    SHACL check is done, and the exports' relabelling, the next call, waited for that)."""
    import time

    started = tmp_path / "started"
    child = Forked(lambda: b"x" * (8 << 20), then=lambda: (started.write_text("yes"), "then")[1])
    deadline = time.monotonic() + 120  # generous: the outcome may not depend on the machine's speed
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the second call did not start while the first value was unread"
    assert len(child.result()) == 8 << 20
    assert child.later() == "then"
    assert not child._child.is_alive()


def test_a_value_that_cannot_be_sent_gives_none_quietly():
    """A value that cannot be pickled gives ``None`` (the parent does the work itself), and so
    do the calls after it, with no traceback on the user's terminal (the child printed one).
    Run in a process of its own, whose whole stderr is read once it and its child have ended."""
    import subprocess
    import sys

    code = ("from qgraph.forked import Forked\n"
            "child = Forked(lambda: (lambda: 1), then=lambda: 2)\n"
            "print(child.result(), child.later(), child._child.is_alive())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "None", "False"]
    assert done.stderr == ""


def test_a_drained_child_ends_once_its_values_are_sent_before_any_is_asked_for():
    """With ``drain``, a thread of the parent reads each value as it comes: the child, whose
    values are larger than the pipe holds, ends without the parent asking for them (it waited,
    alive, until then: the build's child, ~600 MiB at 1M for 2.5 s)."""
    big = 8 * 1024 * 1024
    child = Forked(lambda: b"a" * big, then=[lambda: b"b" * big], drain=True)
    child._child.join(timeout=120)  # not a timing: it ends at once, or never
    assert not child._child.is_alive()
    assert child.result() == b"a" * big
    assert child.later() == b"b" * big
    assert child.later() is None


def test_a_drained_child_that_fails_gives_none_and_close_does_not_wait():
    import time

    def fails():
        raise ValueError("in the child")

    child = Forked(lambda: 1, then=[fails, lambda: 3], drain=True)
    assert child.result() == 1
    assert child.later() is None
    assert child.later() is None
    running = Forked(lambda: time.sleep(600), drain=True)
    running.close()  # the child stopped, the reading thread ends with it
    assert not running._child.is_alive() and not running._reader.is_alive()
    assert running.result() is None


def test_can_fork_says_what_multiprocessing_says_without_importing_it():
    """Regression: can_fork imported multiprocessing (~10 ms of each ``qgraph validate``, which
    forks nothing after most edits) to ask its start methods; it answers the same from ``os``."""
    import multiprocessing
    import subprocess
    import sys

    assert can_fork() == ("fork" in multiprocessing.get_all_start_methods())
    code = "import sys; from qgraph.forked import can_fork; can_fork(); print('multiprocessing' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "False", r.stderr
