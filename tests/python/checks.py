"""checks.py -- what the Python tests share: check() records a failed condition and prints
it, finish() prints the test's verdict and exits 1 if any check failed. The tests run as
scripts, so their folder is on sys.path and `from checks import check, finish` finds this."""
import sys

_fails = 0


def check(cond, what):
    global _fails
    if not cond:
        _fails += 1
        print("FAIL:", what)


def finish(name):
    print("%s: %s" % (name, "FAIL" if _fails else "PASS"))
    sys.exit(1 if _fails else 0)
